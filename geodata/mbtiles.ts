/**
 * MBTiles 1.3 files with better-sqlite3. Tiles are deduplicated: `images`
 * holds each distinct body once (keyed by its SHA-1), `map` holds positions,
 * and the standard `tiles` view joins them, so any MBTiles reader works
 * (layout and upgrades: mbtiles-schema.ts).
 *
 * Crash safety: a job's progress row (cursor + counters) lives in the same
 * file and is written in the same transaction as each tile batch. WAL with
 * synchronous=NORMAL may lose the last commits on power loss, but never
 * separates a batch from its cursor, so a resumed job redoes at most the
 * batches that were lost and never double counts.
 */
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import type { Cursor } from './area.js';
import { flipY, type BBox } from './tiles.js';
import { ensureLayout } from './mbtiles-schema.js';

export interface ZoomCounts {
  done: number;
  missing: number;
  failed: number;
}

/** Persistent progress of the job writing this file. */
export interface JobProgress {
  /** Next tile to process, or null once every tile is processed. */
  cursor: Cursor | null;
  done: number;
  stored: number;
  missing: number;
  failed: number;
  bytes: number;
  perZoom: Record<number, ZoomCounts>;
  /** Refresh passes: tiles a conditional request confirmed unchanged (304). */
  notModified?: number;
  /** Set during a refresh pass: tiles fetched before this time (ms) are re-checked. */
  refreshBefore?: number;
}

/** Validators and fetch time kept per stored tile, for conditional refreshes. */
export interface TileMeta {
  etag: string | null;
  lastModified: string | null;
  fetchedAt: number;
}

export interface TileWrite {
  z: number;
  x: number;
  /** XYZ row; flipped to TMS on write. */
  y: number;
  /** The body, or null to keep the stored one (a 304) and only update `meta`. */
  data: Buffer | null;
  meta?: TileMeta;
}

/** A tile not stored: 404/410 (missing) or given up after retries (failed). */
export interface TileSkip {
  z: number;
  x: number;
  y: number;
  kind: 'missing' | 'failed';
  reason: string;
}

export interface Metadata {
  name: string;
  format: 'png' | 'jpg' | 'webp';
  bounds: BBox;
  center: readonly [number, number, number];
  minzoom: number;
  maxzoom: number;
  attribution: string;
  type?: 'baselayer' | 'overlay';
  description?: string;
}


export function emptyProgress(first: Cursor | null): JobProgress {
  return { cursor: first, done: 0, stored: 0, missing: 0, failed: 0, bytes: 0, perZoom: {} };
}

export function tileId(data: Buffer): string {
  return createHash('sha1').update(data).digest('hex');
}

export class MbtilesWriter {
  private readonly db: Database.Database;
  private readonly metaStmt: Database.Statement;
  private readonly commitTx: (tiles: readonly TileWrite[], skips: readonly TileSkip[], progress: JobProgress) => void;

  constructor(readonly file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    ensureLayout(this.db, file);
    const image = this.db.prepare('INSERT OR IGNORE INTO images (tile_id, tile_data) VALUES (?, ?)');
    const map = this.db.prepare('INSERT OR REPLACE INTO map (zoom_level, tile_column, tile_row, tile_id, etag, last_modified, fetched_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    // A 304 keeps the stored body and only renews its validators.
    const revalidated = this.db.prepare('UPDATE map SET etag = ?, last_modified = ?, fetched_at = ? WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?');
    const skip = this.db.prepare('INSERT OR REPLACE INTO dashcamd_skipped (zoom_level, tile_column, tile_row, kind, reason) VALUES (?, ?, ?, ?, ?)');
    const prog = this.db.prepare('INSERT OR REPLACE INTO dashcamd_progress (id, state) VALUES (1, ?)');
    this.metaStmt = this.db.prepare('SELECT etag, last_modified AS lastModified, fetched_at AS fetchedAt FROM map WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?');
    this.commitTx = this.db.transaction((tiles: readonly TileWrite[], skips: readonly TileSkip[], progress: JobProgress) => {
      for (const t of tiles) {
        const row = flipY(t.y, t.z);
        const m = t.meta;
        if (t.data) {
          const id = tileId(t.data);
          image.run(id, t.data);
          map.run(t.z, t.x, row, id, m?.etag ?? null, m?.lastModified ?? null, m?.fetchedAt ?? null);
        } else if (m) revalidated.run(m.etag, m.lastModified, m.fetchedAt, t.z, t.x, row);
      }
      for (const s of skips) skip.run(s.z, s.x, flipY(s.y, s.z), s.kind, s.reason);
      prog.run(JSON.stringify(progress));
    });
  }

  setMetadata(meta: Metadata): void {
    const rows: Record<string, string> = {
      name: meta.name,
      format: meta.format,
      bounds: meta.bounds.map((v) => v.toFixed(6)).join(','),
      center: `${meta.center[0].toFixed(6)},${meta.center[1].toFixed(6)},${meta.center[2]}`,
      minzoom: String(meta.minzoom),
      maxzoom: String(meta.maxzoom),
      attribution: meta.attribution,
      type: meta.type ?? 'baselayer',
      version: '1.3',
      description: meta.description ?? 'downloaded by dashcamd',
    };
    const put = this.db.prepare('INSERT OR REPLACE INTO metadata (name, value) VALUES (?, ?)');
    this.db.transaction(() => {
      for (const [k, v] of Object.entries(rows)) put.run(k, v);
    })();
  }

  /** The progress committed last, or null for a new file. */
  readProgress(): JobProgress | null {
    const row = this.db.prepare('SELECT state FROM dashcamd_progress WHERE id = 1').get() as { state: string } | undefined;
    return row ? (JSON.parse(row.state) as JobProgress) : null;
  }

  /** Writes a batch of tiles, skipped tiles and the progress that includes them, atomically. */
  commit(tiles: readonly TileWrite[], skips: readonly TileSkip[], progress: JobProgress): void {
    this.commitTx(tiles, skips, progress);
  }

  /** Whether a tile is stored, and its validators if known. */
  tileState(z: number, x: number, y: number): { stored: boolean; meta: TileMeta | null } {
    const r = this.metaStmt.get(z, x, flipY(y, z)) as { etag: string | null; lastModified: string | null; fetchedAt: number | null } | undefined;
    return { stored: r !== undefined, meta: r === undefined || r.fetchedAt === null ? null : { etag: r.etag, lastModified: r.lastModified, fetchedAt: r.fetchedAt } };
  }

  hasTile(z: number, x: number, y: number): boolean {
    return this.tileState(z, x, y).stored;
  }

  /** Folds the WAL into the main file, so the file alone is complete (e.g. to copy it off). */
  checkpoint(): void {
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

/** Read-only access, for serving tiles and for inspecting a job's file. */
export class MbtilesReader {
  private readonly db: Database.Database;
  private readonly tileStmt: Database.Statement;

  constructor(readonly file: string) {
    this.db = new Database(file, { readonly: true, fileMustExist: true });
    this.tileStmt = this.db.prepare('SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?');
  }

  /** A tile by XYZ coordinates, or null. */
  tile(z: number, x: number, y: number): Buffer | null {
    const row = this.tileStmt.get(z, x, flipY(y, z)) as { tile_data: Buffer } | undefined;
    return row ? row.tile_data : null;
  }

  metadata(): Record<string, string> {
    const rows = this.db.prepare('SELECT name, value FROM metadata').all() as Array<{ name: string; value: string }>;
    return Object.fromEntries(rows.map((r) => [r.name, r.value]));
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM map').get() as { n: number }).n;
  }

  /** Every stored tile as "z/x/y" (XYZ) -> SHA-1 of its body; for tests and audits of small files. */
  digest(): Map<string, string> {
    const out = new Map<string, string>();
    for (const r of this.db.prepare('SELECT zoom_level AS z, tile_column AS x, tile_row AS row, tile_data AS d FROM tiles').iterate() as Iterable<{ z: number; x: number; row: number; d: Buffer }>) {
      out.set(`${r.z}/${r.x}/${flipY(r.row, r.z)}`, tileId(r.d));
    }
    return out;
  }

  skipped(): TileSkip[] {
    const rows = this.db.prepare('SELECT zoom_level AS z, tile_column AS x, tile_row AS row, kind, reason FROM dashcamd_skipped ORDER BY 1, 2, 3').all() as Array<{ z: number; x: number; row: number; kind: 'missing' | 'failed'; reason: string }>;
    return rows.map((r) => ({ z: r.z, x: r.x, y: flipY(r.row, r.z), kind: r.kind, reason: r.reason }));
  }

  progress(): JobProgress | null {
    const row = this.db.prepare("SELECT state FROM dashcamd_progress WHERE id = 1").get() as { state: string } | undefined;
    return row ? (JSON.parse(row.state) as JobProgress) : null;
  }

  integrityCheck(): string {
    return (this.db.pragma('integrity_check', { simple: true }) as string) ?? '';
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
