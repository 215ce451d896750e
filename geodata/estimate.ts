/**
 * What a job will cost before it starts: exact tiles per zoom (counted, not
 * enumerated), expected bytes from an average tile size, and expected time
 * at the source's request rate (or its connections at a typical latency,
 * whichever is lower).
 */
import { TileArea } from './area.js';
import type { JobSpec } from './job-spec.js';

/** Round-trip time assumed per request when a source allows many requests per second. */
const ASSUMED_LATENCY_MS = 150;

export interface Estimate {
  perZoom: Array<{ zoom: number; tiles: number }>;
  tiles: number;
  bytes: number;
  seconds: number;
  /** True when the job exceeds the tile cap and needs `confirm: true`. */
  needsConfirm: boolean;
  tileCap: number;
}

export function estimateJob(spec: JobSpec, opts: { avgTileBytes: number; tileCap: number }): Estimate {
  const area = new TileArea(spec.area, spec.minZoom, spec.maxZoom);
  const perZoom: Estimate['perZoom'] = [];
  let tiles = 0;
  for (let z = spec.minZoom; z <= spec.maxZoom; z++) {
    const n = area.countZoom(z);
    perZoom.push({ zoom: z, tiles: n });
    tiles += n;
  }
  const perS = Math.min(spec.source.maxRequestsPerSecond, (spec.source.maxConnections * 1000) / ASSUMED_LATENCY_MS);
  return { perZoom, tiles, bytes: tiles * opts.avgTileBytes, seconds: Math.ceil(tiles / perS), needsConfirm: tiles > opts.tileCap, tileCap: opts.tileCap };
}
