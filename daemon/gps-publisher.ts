/**
 * Turns a GPS driver's fixes into the `gps` topic: at most one update per
 * second (or sooner when the fix mode or connection changes), and `stale` when
 * no fix arrived for staleAfterMs.
 */
import type { GpsFix, GpsState } from './protocol.js';
import type { StateStore } from './state.js';
import type { GpsDriver } from '../drivers/gps/types.js';
import type { Logger } from './logger.js';
import type { ClockCheck } from './gps-clock.js';

export interface GpsPublisherOptions {
  staleAfterMs: number;
  minIntervalMs?: number;
}

export class GpsPublisher {
  private lastPublishAt = 0;
  private pending: GpsFix | null = null;
  private timer: NodeJS.Timeout | null = null;
  private staleTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly opts: GpsPublisherOptions,
    private readonly driver: GpsDriver,
    private readonly store: StateStore,
    private readonly log: Logger,
    /** Compares fix times with the system clock; its offset rides along in the topic. */
    private readonly clock: ClockCheck | null = null,
  ) {}

  async start(): Promise<void> {
    this.update({ source: this.driver.source });
    await this.driver.start({
      fix: (fix) => this.onFix(fix),
      connection: (connected, detail) => {
        this.log.info({ source: this.driver.source, connected, detail }, connected ? 'gps connected' : 'gps disconnected');
        // A fallback driver changes source at run time: re-read it.
        this.update({ connected, source: this.driver.source });
      },
    });
    const checkMs = Math.max(100, Math.floor(this.opts.staleAfterMs / 4));
    this.staleTimer = setInterval(() => this.checkStale(), checkMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    if (this.staleTimer) clearInterval(this.staleTimer);
    await this.driver.stop();
  }

  private onFix(fix: GpsFix): void {
    const current = this.store.get('gps');
    const minInterval = this.opts.minIntervalMs ?? 1000;
    const wait = this.lastPublishAt + minInterval - Date.now();
    const modeChanged = current.fix?.mode !== fix.mode || current.stale;
    if (wait <= 0 || modeChanged) {
      this.publish(fix);
      return;
    }
    // Keep only the newest fix and publish it when the interval is over.
    this.pending = fix;
    this.timer ??= setTimeout(() => {
      this.timer = null;
      if (this.pending) this.publish(this.pending);
    }, wait);
  }

  private publish(fix: GpsFix): void {
    this.pending = null;
    this.lastPublishAt = Date.now();
    const clock = this.clock ? { clockOffsetMs: this.clock.observe(fix) } : {};
    this.update({ fix, source: this.driver.source, lastFixAt: this.lastPublishAt, stale: fix.mode === 'none', ...clock });
  }

  private checkStale(): void {
    const s = this.store.get('gps');
    const stale = s.lastFixAt === null || Date.now() - s.lastFixAt > this.opts.staleAfterMs;
    if (stale !== s.stale) {
      if (stale) this.log.warn({ lastFixAt: s.lastFixAt }, 'gps position stale');
      this.update({ stale });
    }
  }

  private update(patch: Partial<GpsState>): void {
    this.store.set('gps', { ...this.store.get('gps'), ...patch });
  }
}
