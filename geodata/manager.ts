/**
 * The download manager (main thread): a persisted queue of jobs, each run in
 * its own worker thread, up to `parallelJobs` at once. User commands (pause,
 * resume, cancel, delete) are written to jobs.sqlite before they are acted
 * on, so they survive a restart; jobs that were running when the daemon
 * stopped come back as "interrupted" and resume by themselves. A disk guard
 * stops jobs before the data partition falls below a floor.
 */
import { mkdir, rm } from 'node:fs/promises';
import { statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { StateStore } from '../daemon/state.js';
import type { Logger } from '../daemon/logger.js';
import type { DownloadJob, JobState } from '../daemon/protocol.js';
import { ApiError } from '../daemon/errors.js';
import type { JobSpec } from './job-spec.js';
import type { Estimate } from './estimate.js';
import { JobStore, type JobRecord } from './job-store.js';
import { MbtilesReader, emptyProgress } from './mbtiles.js';
import { jobSummary, jobView, tilesetOf, type Tileset } from './job-view.js';
import { startWorker, type RunningWorker, type TerminalMessage } from './worker-host.js';
import { DEFAULT_TUNING, type DownloadTuning, type WorkerMessage } from './worker-protocol.js';
import { KeyedThrottle } from './throttle.js';
import { DiskGuard } from './disk-guard.js';

export interface DownloadManagerOptions {
  dataDir: string;
  parallelJobs: number;
  diskFloorBytes: number;
  diskCheckMs: number;
  userAgent: string;
  tuning?: Partial<DownloadTuning>;
  /** Free bytes of the partition holding `dir` (injectable for tests). */
  freeBytes?: (dir: string) => Promise<number>;
}

interface Live {
  worker: RunningWorker;
  /** Set when we asked the worker to stop: the state it ends in. */
  stopAs: { state: JobState; reason: string | null } | null;
  deleted: boolean;
  rates: { tilesPerS: number; bytesPerS: number };
}

const PUBLISH_INTERVAL_MS = 250; // at most 4 updates per second per job
const PERSIST_PROGRESS_MS = 5000;
const RUNNABLE: ReadonlySet<JobState> = new Set(['queued', 'interrupted']);
const TERMINAL: ReadonlySet<JobState> = new Set(['done', 'cancelled']);


export class DownloadManager {
  private readonly jobs = new Map<string, JobRecord>();
  private readonly live = new Map<string, Live>();
  private readonly publisher: KeyedThrottle;
  private readonly disk: DiskGuard;
  private readonly persistedAt = new Map<string, number>();
  private readonly tilesetCache = new Map<string, Tileset>();
  private readonly db: JobStore;
  private stopping = false;

  constructor(
    private readonly opts: DownloadManagerOptions,
    private readonly store: StateStore,
    private readonly log: Logger,
  ) {
    this.db = new JobStore(join(opts.dataDir, 'jobs.sqlite'));
    this.publisher = new KeyedThrottle(PUBLISH_INTERVAL_MS, (id) => {
      const rec = this.jobs.get(id);
      if (rec) this.store.setKey('downloads', id, this.view(rec));
    });
    this.disk = new DiskGuard(
      { dir: opts.dataDir, floorBytes: opts.diskFloorBytes, intervalMs: opts.diskCheckMs, freeBytes: opts.freeBytes },
      {
        low: (reason) => {
          if (this.stopping) return;
          for (const id of this.live.keys()) this.halt(this.record(id), 'diskLow', reason);
        },
        recovered: () => {
          for (const rec of this.jobs.values()) if (rec.state === 'diskLow') this.setState(rec, 'queued', null);
          this.schedule();
        },
      },
      log,
    );
  }

  async start(): Promise<void> {
    await mkdir(join(this.opts.dataDir, 'tiles'), { recursive: true });
    this.db.open();
    for (const rec of this.db.all()) {
      if (rec.state === 'running' || rec.state === 'waitingForNetwork') {
        rec.state = 'interrupted';
        rec.reason = 'the daemon stopped while the job ran';
        this.log.info({ job: rec.id }, 'resuming interrupted download');
      }
      rec.progress = fileProgress(rec.file) ?? rec.progress;
      rec.fileBytes = fileBytes(rec.file);
      this.db.update(rec);
      this.jobs.set(rec.id, rec);
      this.publish(rec.id);
    }
    await this.disk.start();
    this.schedule();
  }

  /** Stops every worker (their jobs resume on the next start) and closes the queue. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.disk.stop();
    await Promise.all([...this.live.keys()].map((id) => this.stopWorker(id, 'interrupted', 'the daemon stopped while the job ran')));
    this.publisher.stop();
    this.db.close();
  }

  list(): DownloadJob[] {
    return [...this.jobs.values()].map((r) => this.view(r));
  }

  /** Every job's file that has tiles to show (not deleted, not cancelled). */
  tilesets(): Tileset[] {
    return [...this.jobs.values()]
      .filter((r) => r.state !== 'cancelled' && r.progress !== null)
      .map((r) => {
        // Bounds of a long route are costly to compute and never change: once per job.
        let t = this.tilesetCache.get(r.id);
        if (!t) this.tilesetCache.set(r.id, (t = tilesetOf(r)));
        return { ...t, state: r.state };
      });
  }

  get(id: string): DownloadJob {
    return this.view(this.record(id));
  }

  create(spec: JobSpec, estimate: Estimate): DownloadJob {
    const id = randomBytes(6).toString('hex');
    const rec: JobRecord = {
      id,
      createdAt: Date.now(),
      spec,
      file: join(this.opts.dataDir, 'tiles', `${id}.mbtiles`),
      state: 'queued',
      reason: null,
      totals: Object.fromEntries(estimate.perZoom.map((z) => [z.zoom, z.tiles])),
      progress: null,
      startedAt: null,
      refreshBefore: null,
    };
    this.db.insert(rec);
    this.jobs.set(id, rec);
    this.log.info({ job: id, name: spec.name, tiles: estimate.tiles }, 'download job created');
    this.publish(id);
    this.schedule();
    return this.view(rec);
  }

  pause(id: string): DownloadJob {
    const rec = this.record(id);
    if (TERMINAL.has(rec.state) || rec.state === 'failed') throw new ApiError('CONFLICT', `job ${id} is ${rec.state} and cannot be paused`);
    if (rec.state !== 'paused') this.halt(rec, 'paused', 'paused by user');
    return this.view(rec);
  }

  resume(id: string): DownloadJob {
    const rec = this.record(id);
    if (TERMINAL.has(rec.state)) throw new ApiError('CONFLICT', `job ${id} is ${rec.state} and cannot be resumed`);
    const l = this.live.get(id);
    if (l?.stopAs) {
      // Still stopping after a pause: let it end as queued, so it starts again.
      l.stopAs = { state: 'queued', reason: null };
      this.setState(rec, 'queued', null);
    } else if (!l && !RUNNABLE.has(rec.state)) this.setState(rec, 'queued', null);
    this.schedule();
    return this.view(rec);
  }

  /**
   * Re-runs a finished job: tiles fetched longer than maxAgeMs ago are
   * revalidated with If-None-Match / If-Modified-Since (a 304 keeps the tile
   * and costs no body), missing ones are tried again.
   */
  refresh(id: string, maxAgeMs: number): DownloadJob {
    const rec = this.record(id);
    if (rec.state !== 'done' && rec.state !== 'failed') throw new ApiError('CONFLICT', `job ${id} is ${rec.state}; only done or failed jobs can be refreshed`);
    rec.refreshBefore = Date.now() - maxAgeMs;
    // The pass starts its counters at 0 (the worker does so too): the phone must not show
    // the finished pass at 100 % until the worker's first report.
    rec.progress = { ...emptyProgress(null), refreshBefore: rec.refreshBefore, notModified: 0 };
    this.setState(rec, 'queued', null);
    this.schedule();
    return this.view(rec);
  }

  cancel(id: string): DownloadJob {
    const rec = this.record(id);
    if (TERMINAL.has(rec.state)) throw new ApiError('CONFLICT', `job ${id} is already ${rec.state}`);
    const wasLive = this.live.has(id);
    this.halt(rec, 'cancelled', 'cancelled by user');
    if (!wasLive) this.store.emitEvent('downloads', 'cancelled', this.summary(rec));
    return this.view(rec);
  }

  /** Removes the job and its file (stopping it first if it runs). */
  async delete(id: string): Promise<void> {
    const rec = this.record(id);
    const l = this.live.get(id);
    if (l) {
      l.deleted = true;
      await this.stopWorker(id, 'cancelled', 'deleted');
    }
    this.jobs.delete(id);
    this.tilesetCache.delete(id);
    this.db.delete(id);
    this.publisher.forget(id);
    for (const suffix of ['', '-wal', '-shm']) await rm(rec.file + suffix, { force: true });
    this.store.setKey('downloads', id, null);
    this.log.info({ job: id }, 'download job deleted');
    this.schedule();
  }

  private record(id: string): JobRecord {
    const rec = this.jobs.get(id);
    if (!rec) throw new ApiError('NOT_FOUND', `no download job ${id}`);
    return rec;
  }

  /** Persists the new state at once, then asks a running worker to stop. */
  private halt(rec: JobRecord, state: JobState, reason: string): void {
    this.setState(rec, state, reason);
    if (this.live.has(rec.id)) void this.stopWorker(rec.id, state, reason);
  }

  private async stopWorker(id: string, state: JobState, reason: string | null): Promise<void> {
    const l = this.live.get(id);
    if (!l) return;
    l.stopAs ??= { state, reason };
    await l.worker.stop();
  }

  private setState(rec: JobRecord, state: JobState, reason: string | null): void {
    rec.state = state;
    rec.reason = reason;
    this.db.update(rec);
    this.publish(rec.id);
  }

  private schedule(): void {
    if (this.stopping) return;
    for (const rec of this.jobs.values()) {
      if (this.live.size >= this.opts.parallelJobs) return;
      if (!RUNNABLE.has(rec.state) || this.live.has(rec.id)) continue;
      if (this.disk.isLow) this.setState(rec, 'diskLow', this.disk.reason());
      else this.run(rec);
    }
  }

  private run(rec: JobRecord): void {
    rec.startedAt = Date.now();
    this.setState(rec, 'running', null);
    const tuning = { ...DEFAULT_TUNING, ...this.opts.tuning };
    const worker = startWorker({ jobId: rec.id, file: rec.file, spec: rec.spec, userAgent: this.opts.userAgent, tuning, refreshBefore: rec.refreshBefore }, (m) => this.onProgress(rec, m));
    this.live.set(rec.id, { worker, stopAs: null, deleted: false, rates: { tilesPerS: 0, bytesPerS: 0 } });
    void worker.done.then((m) => this.onTerminal(rec, m));
  }

  private onProgress(rec: JobRecord, m: Extract<WorkerMessage, { type: 'progress' }>): void {
    const l = this.live.get(rec.id);
    if (!l || l.stopAs) return;
    l.rates = { tilesPerS: m.tilesPerS, bytesPerS: m.bytesPerS };
    rec.progress = m.progress;
    rec.state = m.state === 'waitingForNetwork' ? 'waitingForNetwork' : 'running';
    rec.reason = m.reason;
    const now = Date.now();
    if (now - (this.persistedAt.get(rec.id) ?? 0) >= PERSIST_PROGRESS_MS) {
      this.persistedAt.set(rec.id, now);
      this.db.update(rec);
    }
    this.publish(rec.id);
  }

  private onTerminal(rec: JobRecord, m: TerminalMessage): void {
    const l = this.live.get(rec.id);
    this.live.delete(rec.id);
    if (m.progress) rec.progress = m.progress;
    if (!l || l.deleted) return;
    rec.fileBytes = fileBytes(rec.file);
    if (m.type === 'finished') {
      this.setState(rec, 'done', null);
      this.store.emitEvent('downloads', 'done', this.summary(rec));
    } else if (m.type === 'failed') {
      this.log.warn({ job: rec.id, reason: m.reason }, 'download job failed');
      this.setState(rec, 'failed', m.reason);
      this.store.emitEvent('downloads', 'failed', this.summary(rec));
    } else {
      const stopAs = l.stopAs ?? { state: 'interrupted' as const, reason: 'the worker stopped' };
      this.setState(rec, stopAs.state, stopAs.reason);
      if (stopAs.state === 'cancelled') this.store.emitEvent('downloads', 'cancelled', this.summary(rec));
    }
    this.schedule();
  }

  private publish(id: string): void {
    this.publisher.call(id);
  }

  private view(rec: JobRecord): DownloadJob {
    return jobView(rec, this.live.get(rec.id)?.rates);
  }

  private summary(rec: JobRecord): Record<string, unknown> {
    return jobSummary(rec);
  }
}

/**
 * What a job's file takes on the SD card: the file and its WAL (folded in when
 * a job finishes, so then the file alone). Null when there is no file yet.
 */
function fileBytes(file: string): number | null {
  const size = (f: string): number | null => {
    try {
      return statSync(f).size;
    } catch {
      return null;
    }
  };
  const main = size(file);
  return main === null ? null : main + (size(`${file}-wal`) ?? 0);
}

/** The committed progress inside a job's MBTiles file, if it exists. */
function fileProgress(file: string): JobRecord['progress'] {
  try {
    const r = new MbtilesReader(file);
    try {
      return r.progress();
    } finally {
      r.close();
    }
  } catch {
    return null;
  }
}
