/**
 * Event-loop delay, the figure that tells whether anything blocks the main
 * thread (the failure that killed the old dashcam's socket). Reported in health
 * and on the system topic; reset after each read so it shows recent delay.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

// 20 ms: fine enough to see any delay that matters, and half the idle wake-ups
// of 10 ms (the monitor alone cost ~0.3 % of a core at 10 ms; see docs/benchmarks.md).
const RESOLUTION_MS = 20;

export interface LoopDelay {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export class LoopMonitor {
  private histogram: IntervalHistogram | null = null;
  private last: LoopDelay = { p50Ms: 0, p99Ms: 0, maxMs: 0 };
  private windowStart = 0;

  constructor(private readonly windowMs = 10_000) {}

  start(): void {
    this.histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    this.histogram.enable();
    this.windowStart = Date.now();
  }

  stop(): void {
    this.histogram?.disable();
    this.histogram = null;
  }

  /** Delay over the current window; rolls the window over once it is full. */
  read(): LoopDelay {
    const h = this.histogram;
    if (!h || h.count === 0) return this.last;
    // The histogram records the whole interval between its timer ticks, so an
    // idle loop reads as the resolution itself: subtract it to get the delay.
    const ms = (ns: number): number => Math.max(0, Math.round((ns / 1e6 - RESOLUTION_MS) * 100) / 100);
    const current = { p50Ms: ms(h.percentile(50)), p99Ms: ms(h.percentile(99)), maxMs: ms(h.max) };
    if (Date.now() - this.windowStart >= this.windowMs) {
      this.last = current;
      h.reset();
      this.windowStart = Date.now();
    }
    return current;
  }
}
