/**
 * What the outside sees of a job: the DownloadJob published on the channel,
 * the summary carried by terminal events, and the tileset entry for the map.
 */
import type { DownloadJob } from '../daemon/protocol.js';
import { TileArea } from './area.js';
import type { JobRecord } from './job-store.js';
import { emptyProgress } from './mbtiles.js';
import type { BBox } from './tiles.js';

export interface Rates {
  tilesPerS: number;
  bytesPerS: number;
}

export function jobView(rec: JobRecord, rates: Rates | undefined): DownloadJob {
  const p = rec.progress ?? emptyProgress(null);
  const total = Object.values(rec.totals).reduce((a, b) => a + b, 0);
  const r = rec.state === 'running' && rates ? rates : { tilesPerS: 0, bytesPerS: 0 };
  const perZoom = Object.entries(rec.totals).map(([z, t]) => {
    const c = p.perZoom[Number(z)] ?? { done: 0, missing: 0, failed: 0 };
    return { zoom: Number(z), total: t, ...c };
  });
  return {
    id: rec.id,
    name: rec.spec.name,
    state: rec.state,
    reason: rec.reason,
    tilesDone: p.done,
    tilesTotal: total,
    tilesMissing: p.missing,
    tilesFailed: p.failed,
    tilesStored: p.stored,
    bytes: p.bytes,
    tilesPerS: Math.round(r.tilesPerS * 10) / 10,
    bytesPerS: Math.round(r.bytesPerS),
    etaS: r.tilesPerS > 0.05 ? Math.round((total - p.done) / r.tilesPerS) : null,
    updatedAt: Date.now(),
    perZoom,
    source: rec.spec.source.name,
    minZoom: rec.spec.minZoom,
    maxZoom: rec.spec.maxZoom,
    createdAt: rec.createdAt,
    // Only a refresh pass's progress has the counter (the downloader starts it at 0).
    ...(p.notModified === undefined ? {} : { tilesNotModified: p.notModified }),
    ...(rec.fileBytes === undefined || rec.fileBytes === null ? {} : { fileBytes: rec.fileBytes }),
  };
}

export function jobSummary(rec: JobRecord): Record<string, unknown> {
  const v = jobView(rec, undefined);
  return {
    id: v.id,
    name: v.name,
    state: v.state,
    reason: v.reason,
    tilesTotal: v.tilesTotal,
    tilesDone: v.tilesDone,
    tilesStored: v.tilesStored,
    tilesMissing: v.tilesMissing,
    tilesFailed: v.tilesFailed,
    bytes: v.bytes,
    /** Refresh passes: tiles confirmed unchanged (304) or still fresh. */
    tilesNotModified: rec.progress?.notModified ?? 0,
    durationS: rec.startedAt ? Math.round((Date.now() - rec.startedAt) / 1000) : null,
    file: rec.file,
  };
}

/** A job's file as a map layer (finished or still downloading). */
export interface Tileset {
  id: string;
  name: string;
  file: string;
  format: 'png' | 'jpg' | 'webp';
  state: DownloadJob['state'];
  bounds: BBox;
  minZoom: number;
  maxZoom: number;
  attribution: string;
  /** URL template relative to the daemon. */
  url: string;
}

export function tilesetOf(rec: JobRecord): Tileset {
  const { spec } = rec;
  return {
    id: rec.id,
    name: spec.name,
    file: rec.file,
    format: spec.source.format,
    state: rec.state,
    bounds: new TileArea(spec.area, spec.minZoom, spec.maxZoom).bounds(),
    minZoom: spec.minZoom,
    maxZoom: spec.maxZoom,
    attribution: spec.source.attribution,
    url: `/tiles/${rec.id}/{z}/{x}/{y}.${spec.source.format}`,
  };
}
