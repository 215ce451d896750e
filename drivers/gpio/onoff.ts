/**
 * The real GPIO driver: sysfs GPIO through onoff. Pins are configured as BCM
 * numbers and mapped to sysfs numbers by the header chip's base (see
 * sysfs-map.ts), because onoff 6 passes numbers to sysfs unchanged.
 *
 * Missing GPIO is a normal condition (a laptop, a container, no permission):
 * start() never throws for it; status() says why, and the daemon runs on.
 * onoff is imported lazily so that a failed native `epoll` build also ends up
 * as "unavailable" instead of a crash at import.
 */
import type { Gpio as OnoffGpioPin } from 'onoff';
import { access, constants } from 'node:fs/promises';
import { join } from 'node:path';
import type { GpioDriver, GpioInput, GpioOutput, GpioSink, GpioStatus } from './types.js';
import { bcmToSysfs, readGpioChips, SYSFS_GPIO_ROOT } from './sysfs-map.js';

export type ActiveLevel = 'low' | 'high';

export interface OnoffGpioOptions {
  /** BCM number per input; null = not wired. */
  inputs: Record<GpioInput, { pin: number | null; activeLevel: ActiveLevel }>;
  /** BCM number per output; null = not wired. */
  outputs: Record<GpioOutput, number | null>;
  outputActiveLevel: ActiveLevel;
  /** Where the gpiochips are read (tests lay out a temp directory). */
  sysfsRoot?: string;
  /** Called once per output that fails to write, so a broken LED is logged once. */
  onWriteError?: (name: GpioOutput, err: Error) => void;
}

export class OnoffGpio implements GpioDriver {
  private readonly inputPins = new Map<GpioInput, OnoffGpioPin>();
  private readonly outputPins = new Map<GpioOutput, OnoffGpioPin>();
  private readonly failedOutputs = new Set<GpioOutput>();
  private current: GpioStatus = { available: false, reason: 'not started' };

  constructor(private readonly opts: OnoffGpioOptions) {}

  status(): GpioStatus {
    return this.current;
  }

  async start(sink: GpioSink): Promise<void> {
    const reason = await this.open(sink);
    this.current = reason === null ? { available: true, reason: null } : { available: false, reason };
    if (reason !== null) this.release();
  }

  async stop(): Promise<void> {
    this.release();
    this.current = { available: false, reason: 'stopped' };
  }

  read(name: GpioInput): boolean | null {
    const pin = this.inputPins.get(name);
    if (!pin) return null;
    try {
      return pin.readSync() === 1;
    } catch {
      return null;
    }
  }

  write(name: GpioOutput, on: boolean): void {
    const pin = this.outputPins.get(name);
    if (!pin) return;
    try {
      pin.writeSync(on ? 1 : 0);
    } catch (err) {
      if (!this.failedOutputs.has(name)) this.opts.onWriteError?.(name, err as Error);
      this.failedOutputs.add(name);
    }
  }

  /** Exports and watches every wired pin; returns why GPIO is unusable, or null. */
  private async open(sink: GpioSink): Promise<string | null> {
    const root = this.opts.sysfsRoot ?? SYSFS_GPIO_ROOT;
    let Gpio: typeof OnoffGpioPin;
    try {
      Gpio = (await import('onoff')).Gpio;
    } catch (err) {
      return `onoff failed to load: ${(err as Error).message}`;
    }
    const missing = await whyInaccessible(root);
    if (missing) return missing;
    // onoff only ever uses the real /sys/class/gpio; a different root is for mapping tests.
    if (root === SYSFS_GPIO_ROOT && !Gpio.accessible) return `${join(root, 'export')} is not writable (not a Raspberry Pi, or sysfs GPIO disabled)`;
    let chips;
    try {
      chips = await readGpioChips(root);
    } catch (err) {
      return `cannot list GPIO chips in ${root}: ${(err as Error).message}`;
    }
    try {
      for (const [name, { pin, activeLevel }] of Object.entries(this.opts.inputs) as Array<[GpioInput, OnoffGpioOptions['inputs'][GpioInput]]>) {
        if (pin === null) continue;
        const m = bcmToSysfs(chips, pin);
        if (!m.ok) return `${name}: ${m.reason}`;
        const gpio = new Gpio(m.sysfs, 'in', 'both', { activeLow: activeLevel === 'low' });
        this.inputPins.set(name, gpio);
        gpio.watch((err, value) => {
          if (!err) sink.input(name, value === 1);
        });
        sink.input(name, gpio.readSync() === 1);
      }
      for (const [name, pin] of Object.entries(this.opts.outputs) as Array<[GpioOutput, number | null]>) {
        if (pin === null) continue;
        const m = bcmToSysfs(chips, pin);
        if (!m.ok) return `${name}: ${m.reason}`;
        // sysfs applies 'high'/'low' as raw levels (active_low is ignored there),
        // so start at the physical inactive level: the LED starts off without a flash.
        const activeLow = this.opts.outputActiveLevel === 'low';
        const gpio = new Gpio(m.sysfs, activeLow ? 'high' : 'low', 'none', { activeLow });
        this.outputPins.set(name, gpio);
      }
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      // EPERM is not listed: epoll reports it for files it cannot watch, not for access rights.
      return e.code === 'EACCES'
        ? `permission denied on sysfs GPIO (${e.message}); add the user to the gpio group`
        : `GPIO setup failed: ${e.message}`;
    }
    return null;
  }

  private release(): void {
    for (const pin of [...this.inputPins.values(), ...this.outputPins.values()]) {
      try {
        pin.unwatchAll();
        pin.unexport();
      } catch {
        // Already gone; nothing else to release.
      }
    }
    this.inputPins.clear();
    this.outputPins.clear();
  }
}

async function whyInaccessible(root: string): Promise<string | null> {
  try {
    await access(join(root, 'export'), constants.W_OK);
    return null;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return `${root} does not exist (not a Raspberry Pi, or a kernel without sysfs GPIO)`;
    if (code === 'EACCES' || code === 'EPERM') return `no permission to write ${join(root, 'export')}; add the user to the gpio group`;
    return `${join(root, 'export')} is not usable: ${code ?? String(err)}`;
  }
}
