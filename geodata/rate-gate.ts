/**
 * Politeness per source: spaces request starts to the source's current rate
 * and pauses everyone when the source says 429/503. The rate halves on each
 * such answer and creeps back to the configured maximum with successes.
 */

/** Resolves after ms, or at once when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted || ms <= 0) return resolve();
    const done = (): void => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

export class RateGate {
  private rate: number;
  private nextAt = 0;
  private pausedUntil = 0;

  constructor(
    private readonly maxPerS: number,
    private readonly now: () => number = Date.now,
  ) {
    this.rate = maxPerS;
  }

  get currentRate(): number {
    return this.rate;
  }

  /** Waits for this request's turn (or until aborted). */
  async acquire(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const now = this.now();
      if (this.pausedUntil > now) {
        await sleep(this.pausedUntil - now, signal);
        if (signal?.aborted) return;
        continue;
      }
      const at = Math.max(now, this.nextAt);
      this.nextAt = at + 1000 / this.rate;
      // Timers cannot wait less than a millisecond: a shorter wait would cost a
      // whole timer tick per request at high rates. Starts stay on schedule on
      // average, since nextAt keeps accumulating until a wait reaches 1 ms.
      if (at - now >= 1) await sleep(at - now, signal);
      // A pause that began while we waited still applies.
      if (this.pausedUntil <= this.now() || signal?.aborted) return;
    }
  }

  /** The source asked to slow down: nobody starts a request for ms, and the rate halves. */
  slowDown(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + ms);
    this.rate = Math.max(this.maxPerS / 16, this.rate / 2);
  }

  succeeded(): void {
    this.rate = Math.min(this.maxPerS, this.rate + this.maxPerS / 50);
  }

  pausedForMs(): number {
    return Math.max(0, this.pausedUntil - this.now());
  }
}
