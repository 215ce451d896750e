/**
 * Messages between the download manager (main thread) and a job's worker
 * thread. The worker owns the MBTiles file; the main thread only sees these.
 */
import type { JobSpec } from './job-spec.js';
import type { JobProgress } from './mbtiles.js';

export interface DownloadTuning {
  /**
   * Tiles per transaction, at most (a crash redoes at most this many). Large,
   * because each commit rewrites every index page its tiles touched; slow
   * downloads still commit every commitIntervalMs with far fewer tiles.
   */
  batchSize: number;
  /**
   * Finished bodies waiting for their commit stay below this many bytes (a
   * batch of large tiles is committed early), so memory stays bounded.
   */
  maxHeldBytes: number;
  /** A partial batch is committed after this long anyway. */
  commitIntervalMs: number;
  /** Attempts per tile for transient failures before it counts as failed. */
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Connect/headers/mid-body inactivity limit per request. */
  idleTimeoutMs: number;
  /** Delay between probes while the network is down (grows up to this). */
  offlineProbeMaxMs: number;
  /** Default pause after 429/503 without Retry-After. */
  defaultRetryAfterMs: number;
  /** Retry-After values above this are capped (a hostile header must not park the job for days). */
  maxRetryAfterMs: number;
}

export const DEFAULT_TUNING: DownloadTuning = {
  batchSize: 1024,
  maxHeldBytes: 16 * 1024 * 1024,
  commitIntervalMs: 1000,
  maxAttempts: 6,
  backoffBaseMs: 500,
  backoffMaxMs: 30_000,
  idleTimeoutMs: 15_000,
  offlineProbeMaxMs: 10_000,
  defaultRetryAfterMs: 5_000,
  maxRetryAfterMs: 600_000,
};

export interface WorkerInput {
  jobId: string;
  file: string;
  spec: JobSpec;
  userAgent: string;
  tuning: DownloadTuning;
  /** A refresh pass: stored tiles fetched before this time (ms) are re-checked with conditional requests. */
  refreshBefore?: number | null;
}

export type WorkerRunState = 'running' | 'waitingForNetwork' | 'backingOff';

export type WorkerMessage =
  | { type: 'progress'; state: WorkerRunState; progress: JobProgress; tilesPerS: number; bytesPerS: number; reason: string | null }
  /** Every tile processed; the file is complete. */
  | { type: 'finished'; progress: JobProgress }
  /** Stopped on request (pause, cancel, disk low) after committing what was done. */
  | { type: 'stopped'; progress: JobProgress }
  /** Stopped for good: blocked by the source, or an unexpected error. */
  | { type: 'failed'; reason: string; progress: JobProgress | null };

export type ControlMessage = { type: 'stop' };
