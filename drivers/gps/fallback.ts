/**
 * The 'auto' GPS source: gpsd first, a serial receiver when gpsd has delivered
 * no fix for fallbackAfterMs (gpsd not installed, not running, or without a
 * device). gpsd keeps being retried underneath; its first fix switches back
 * and closes the serial port, so gpsd can have the device again.
 */
import type { GpsFix, GpsSource } from '../../daemon/protocol.js';
import type { Logger } from '../../daemon/logger.js';
import type { GpsDriver, GpsSink } from './types.js';

export interface FallbackGpsOptions {
  fallbackAfterMs: number;
  now?: () => number;
}

export class FallbackGps implements GpsDriver {
  private sink: GpsSink | null = null;
  private onSecondary = false;
  private primaryConnected = false;
  private lastPrimaryFixAt = 0;
  private timer: NodeJS.Timeout | null = null;
  /** Serialises switches, so a stop and a start of the serial port never overlap. */
  private switching: Promise<void> = Promise.resolve();

  constructor(
    private readonly opts: FallbackGpsOptions,
    private readonly primary: GpsDriver,
    private readonly secondary: GpsDriver,
    private readonly log: Logger,
  ) {}

  /** The source whose fixes are being forwarded right now. */
  get source(): GpsSource {
    return this.onSecondary ? this.secondary.source : this.primary.source;
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  async start(sink: GpsSink): Promise<void> {
    this.sink = sink;
    this.lastPrimaryFixAt = this.now();
    await this.primary.start({
      fix: (fix) => this.onPrimaryFix(fix),
      connection: (connected, detail) => {
        this.primaryConnected = connected;
        if (!this.onSecondary) sink.connection(connected, detail);
      },
    });
    this.timer = setInterval(() => this.check(), Math.min(1000, Math.max(50, this.opts.fallbackAfterMs / 4)));
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.switching;
    await Promise.all([this.primary.stop(), this.onSecondary ? this.secondary.stop() : undefined]);
    this.onSecondary = false;
  }

  private check(): void {
    if (this.onSecondary || this.now() - this.lastPrimaryFixAt < this.opts.fallbackAfterMs) return;
    this.onSecondary = true;
    this.log.warn({ from: this.primary.source, to: this.secondary.source, silentMs: this.now() - this.lastPrimaryFixAt }, 'no fix from gpsd; falling back');
    this.switching = this.switching.then(() =>
      this.secondary.start({
        fix: (fix) => {
          if (this.onSecondary) this.sink?.fix(fix);
        },
        connection: (connected, detail) => {
          if (this.onSecondary) this.sink?.connection(connected, detail);
        },
      }),
    );
  }

  private onPrimaryFix(fix: GpsFix): void {
    this.lastPrimaryFixAt = this.now();
    if (this.onSecondary) {
      this.onSecondary = false;
      this.log.info({ to: this.primary.source }, 'gpsd delivers fixes again; leaving the fallback');
      this.switching = this.switching.then(() => this.secondary.stop());
      this.sink?.connection(this.primaryConnected, 'back on gpsd');
    }
    this.sink?.fix(fix);
  }
}
