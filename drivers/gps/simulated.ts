/**
 * Simulated GPS: replays an NMEA log or a GPX track (by default the sample
 * drive that ships with the project) in real or accelerated time, looping forever. Fixes carry
 * the current time instead of the log's, so everything downstream (staleness,
 * trips, the clock check) behaves as with a live receiver.
 */
import { readFile } from 'node:fs/promises';
import type { GpsFix } from '../../daemon/protocol.js';
import type { GpsDriver, GpsSink } from './types.js';
import { fixesFromReplay } from './replay-file.js';

export { fixesFromNmea, fixesFromGpx } from './replay-file.js';

export interface SimulatedGpsOptions {
  /** NMEA 0183 log or GPX file to replay. */
  file: string;
  /** 1 = real time; 10 = ten epochs of the log per second. */
  speedup: number;
  now?: () => number;
}

export class SimulatedGps implements GpsDriver {
  readonly source = 'simulated' as const;
  private timer: NodeJS.Timeout | null = null;
  private fixes: GpsFix[] = [];
  private index = 0;
  private laps = 0;

  constructor(private readonly opts: SimulatedGpsOptions) {}

  /** How many times the log has been replayed to its end. */
  get completedLaps(): number {
    return this.laps;
  }

  async start(sink: GpsSink): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.opts.file, 'utf8');
    } catch (err) {
      sink.connection(false, `cannot read replay file ${this.opts.file}: ${(err as Error).message}`);
      return;
    }
    this.fixes = fixesFromReplay(text);
    if (this.fixes.length === 0) {
      sink.connection(false, `no fixes in replay file ${this.opts.file}`);
      return;
    }
    sink.connection(true, `replaying ${this.opts.file} (${this.fixes.length} fixes, x${this.opts.speedup})`);
    this.emit(sink);
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private emit(sink: GpsSink): void {
    const fix = this.fixes[this.index]!;
    sink.fix({ ...fix, time: new Date((this.opts.now ?? Date.now)()).toISOString() });
    const next = this.index + 1 < this.fixes.length ? this.index + 1 : 0;
    if (next === 0) this.laps++;
    // The log's own spacing, scaled; 1 s from the last fix back to the first.
    const gapMs = next === 0 ? 1000 : Date.parse(this.fixes[next]!.time) - Date.parse(fix.time);
    this.index = next;
    this.timer = setTimeout(() => this.emit(sink), Math.max(5, Math.min(60_000, gapMs) / this.opts.speedup));
  }
}
