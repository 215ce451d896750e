/**
 * Watches the free space of the data partition. Below the floor it reports
 * "low" (the manager then stops downloads); it reports "recovered" only once
 * the space is a little above the floor again, so jobs do not flap.
 */
import { statfs } from 'node:fs/promises';
import type { Logger } from '../daemon/logger.js';

export interface DiskGuardOptions {
  dir: string;
  floorBytes: number;
  intervalMs: number;
  /** Free bytes of the partition holding `dir` (injectable for tests). */
  freeBytes?: (dir: string) => Promise<number>;
}

async function statfsFree(dir: string): Promise<number> {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
}

const mb = (b: number): string => `${Math.floor(b / 1_048_576)} MB`;

export class DiskGuard {
  private timer: NodeJS.Timeout | null = null;
  private low = false;
  private lastFree: number | null = null;

  constructor(
    private readonly opts: DiskGuardOptions,
    private readonly on: { low: (reason: string) => void; recovered: () => void },
    private readonly log: Logger,
  ) {}

  get isLow(): boolean {
    return this.low;
  }

  /** Why downloads are held, for job reasons. */
  reason(): string {
    const free = this.lastFree === null ? 'below' : `${mb(this.lastFree)} free, below`;
    return `disk low: ${free} the floor of ${mb(this.opts.floorBytes)}`;
  }

  async start(): Promise<void> {
    await this.check();
    this.timer = setInterval(() => void this.check(), this.opts.intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async check(): Promise<void> {
    let free: number;
    try {
      free = await (this.opts.freeBytes ?? statfsFree)(this.opts.dir);
    } catch (err) {
      this.log.warn({ err }, 'cannot read free disk space');
      return;
    }
    this.lastFree = free;
    if (free < this.opts.floorBytes) {
      if (!this.low) this.log.warn({ free, floor: this.opts.floorBytes }, 'disk low: pausing downloads');
      this.low = true;
      this.on.low(this.reason());
    } else if (this.low && free >= this.opts.floorBytes * 1.05) {
      this.low = false;
      this.log.info({ free }, 'disk space recovered: resuming downloads');
      this.on.recovered();
    }
  }
}
