/**
 * The Pi has no RTC: after boot without network its clock starts where it
 * stopped (fake-hwclock) or at 1970. GPS time is right. This compares each
 * fix's time with the system clock, reports the offset, logs once when it is
 * too large, and, only when configured, sets the system clock (which needs
 * CAP_SYS_TIME; see docs/gps.md).
 */
import { execFile } from 'node:child_process';
import type { GpsFix } from './protocol.js';
import type { Logger } from './logger.js';

export interface ClockStatus {
  /** System clock minus GPS time, ms (positive: the system clock is ahead). Null before the first fix. */
  offsetMs: number | null;
  /** The system clock is before 2020: never set since the last boot. */
  unset: boolean;
  /** |offset| <= maxOffsetMs; null before the first fix. */
  ok: boolean | null;
  setSystemClock: boolean;
  /** Outcome of the last attempt to set the clock. */
  lastSet: { at: string; result: 'set' | 'failed'; error?: string } | null;
}

export interface ClockCheckOptions {
  maxOffsetMs: number;
  setSystemClock: boolean;
  now?: () => number;
  /** Sets the system clock; default runs `date -u -s @SECONDS`. */
  setClock?: (to: Date) => Promise<void>;
}

/** Before this the clock cannot be right: the daemon did not exist yet. */
const PLAUSIBLE_AFTER = Date.UTC(2020, 0, 1);
const RETRY_SET_MS = 10 * 60_000;

export function setClockWithDate(to: Date): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('date', ['-u', '-s', `@${(to.getTime() / 1000).toFixed(3)}`], { timeout: 5000 }, (err, _out, stderr) =>
      err ? reject(new Error(stderr.trim() || err.message)) : resolve(),
    );
  });
}

export class ClockCheck {
  private offsetMs: number | null = null;
  private warned = false;
  private lastSet: ClockStatus['lastSet'] = null;
  private lastSetAttempt = -Infinity;
  private setting = false;

  constructor(
    private readonly opts: ClockCheckOptions,
    private readonly log: Logger,
  ) {}

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  status(): ClockStatus {
    const now = this.now();
    return {
      offsetMs: this.offsetMs,
      unset: now < PLAUSIBLE_AFTER,
      ok: this.offsetMs === null ? null : Math.abs(this.offsetMs) <= this.opts.maxOffsetMs,
      setSystemClock: this.opts.setSystemClock,
      lastSet: this.lastSet,
    };
  }

  /** Returns the offset for this fix, or the previous one when the fix has no usable time. */
  observe(fix: GpsFix): number | null {
    const gpsTime = Date.parse(fix.time);
    // Without a position fix many receivers report a guessed time: do not trust it.
    if (fix.mode === 'none' || Number.isNaN(gpsTime) || gpsTime < PLAUSIBLE_AFTER) return this.offsetMs;
    const now = this.now();
    const offset = now - gpsTime;
    this.offsetMs = offset;
    if (Math.abs(offset) > this.opts.maxOffsetMs) {
      if (!this.warned) {
        this.warned = true;
        const unset = now < PLAUSIBLE_AFTER;
        this.log.warn(
          { offsetMs: offset, systemTime: new Date(now).toISOString(), gpsTime: fix.time, setSystemClock: this.opts.setSystemClock },
          unset ? 'system clock is unset; GPS time differs' : 'system clock differs from GPS time',
        );
      }
      if (this.opts.setSystemClock) this.trySet(gpsTime, now);
    }
    return offset;
  }

  private trySet(gpsTime: number, now: number): void {
    if (this.setting || now - this.lastSetAttempt < RETRY_SET_MS) return;
    this.setting = true;
    this.lastSetAttempt = now;
    const setClock = this.opts.setClock ?? setClockWithDate;
    // The fix is a few hundred ms old by now; GPS time plus that age is closer than the fix time.
    const target = new Date(gpsTime + Math.max(0, Math.min(1000, this.now() - now)));
    setClock(target)
      .then(() => {
        this.lastSet = { at: target.toISOString(), result: 'set' };
        this.log.warn({ to: target.toISOString() }, 'system clock set from GPS');
      })
      .catch((err: Error) => {
        this.lastSet = { at: new Date(this.now()).toISOString(), result: 'failed', error: err.message };
        this.log.error({ err: err.message }, 'setting the system clock failed (needs CAP_SYS_TIME)');
      })
      .finally(() => (this.setting = false));
  }
}
