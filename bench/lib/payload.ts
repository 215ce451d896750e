/**
 * The progress update every fan-out server sends: one download job's
 * progress, as a channel delta (~300 bytes of JSON). The channel server
 * publishes the job through the StateStore; the bare `ws` and uWS servers send
 * the same delta text they build here, so all three put the same bytes on the
 * wire.
 */
import type { DeltaMessage, DownloadJob } from '../../daemon/protocol.js';

export const JOB_ID = 'job-1';
const TILES_TOTAL = 48_000;

/** The n-th progress step of the benchmark job (a new object each time, as the store requires). */
export function progressJob(n: number, now = Date.now()): DownloadJob {
  const tilesDone = Math.min(TILES_TOTAL, 1000 + n * 3);
  return {
    id: JOB_ID,
    name: 'Tirol',
    state: 'running',
    reason: null,
    tilesDone,
    tilesTotal: TILES_TOTAL,
    tilesMissing: TILES_TOTAL - tilesDone,
    tilesFailed: 2,
    bytes: tilesDone * 17_123,
    tilesPerS: 11.75,
    bytesPerS: 201_195,
    etaS: Math.round((TILES_TOTAL - tilesDone) / 11.75),
    updatedAt: now,
  };
}

/** The delta text the bare servers send for step n (what the channel would send for seq n). */
export function progressDelta(seq: number): string {
  const msg: DeltaMessage = { type: 'delta', seq, topic: 'downloads', key: JOB_ID, value: progressJob(seq) };
  return JSON.stringify(msg);
}
