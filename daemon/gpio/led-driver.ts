/**
 * Drives LED outputs from patterns. One 250 ms ticker serves every blinking
 * LED so they blink in step; it runs only while some LED blinks. A level is
 * written only when it changes, so steady LEDs cost nothing.
 */
import type { LedPattern } from '../protocol.js';
import type { GpioDriver } from '../../drivers/gpio/types.js';
import { LED_NAMES, LED_OUTPUT, type LedName, type LedPatterns } from './led-patterns.js';

export const LED_TICK_MS = 250;

/** Level of a pattern at a tick: fast = 2 Hz (250 ms on/off), slow = 0.5 Hz (1 s on/off). */
export function patternLevel(pattern: LedPattern, tick: number): boolean {
  switch (pattern) {
    case 'on':
      return true;
    case 'off':
      return false;
    case 'blinkFast':
      return tick % 2 === 0;
    case 'blinkSlow':
      return Math.floor(tick / 4) % 2 === 0;
  }
}

export class LedDriver {
  private patterns: LedPatterns | null = null;
  private readonly levels = new Map<LedName, boolean>();
  private tick = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly driver: GpioDriver) {}

  show(patterns: LedPatterns): void {
    this.patterns = patterns;
    const blinking = LED_NAMES.some((n) => patterns[n] === 'blinkFast' || patterns[n] === 'blinkSlow');
    if (blinking && !this.timer) {
      this.tick = 0;
      this.timer = setInterval(() => {
        this.tick++;
        this.apply();
      }, LED_TICK_MS);
      this.timer.unref();
    } else if (!blinking && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
    this.apply();
  }

  /** Stops blinking and switches every LED off. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const name of LED_NAMES) this.set(name, false);
    this.patterns = null;
  }

  private apply(): void {
    if (!this.patterns) return;
    for (const name of LED_NAMES) this.set(name, patternLevel(this.patterns[name], this.tick));
  }

  private set(name: LedName, on: boolean): void {
    if (this.levels.get(name) === on) return;
    this.levels.set(name, on);
    this.driver.write(LED_OUTPUT[name], on);
  }
}
