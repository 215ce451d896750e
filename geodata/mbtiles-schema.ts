/**
 * The layout of dashcamd's MBTiles files, and the upgrade of older files.
 *
 * MBTiles 1.3 only requires the `metadata` table and a `tiles` table or view;
 * dashcamd deduplicates through `images` (each distinct body once, keyed by
 * its SHA-1 in hex) and `map` (one row per position), joined by the `tiles` view.
 *
 * `map` is clustered on (zoom_level, tile_row, tile_column): the order tiles
 * are downloaded in (row by row within a zoom), so a batch of a thousand
 * tiles dirties a handful of adjacent pages instead of pages all over an
 * index. A tile's HTTP validators (for refreshes) live in its `map` row
 * rather than in a table of their own. Together that is two B-tree inserts
 * per tile fewer than layout 1: less CPU, and fewer pages written to the SD card.
 * The primary key is the unique (zoom_level, tile_column, tile_row) index the spec asks for.
 *
 * Layout versions are kept in PRAGMA user_version (0 on files of layout 1,
 * written before it was set).
 */
import type Database from 'better-sqlite3';

export const LAYOUT_VERSION = 2;

const TILES_VIEW = `CREATE VIEW IF NOT EXISTS tiles AS
  SELECT map.zoom_level AS zoom_level, map.tile_column AS tile_column, map.tile_row AS tile_row, images.tile_data AS tile_data
  FROM map JOIN images ON images.tile_id = map.tile_id;`;

const MAP_TABLE = `CREATE TABLE IF NOT EXISTS map (zoom_level INTEGER NOT NULL, tile_column INTEGER NOT NULL, tile_row INTEGER NOT NULL, tile_id TEXT NOT NULL,
  etag TEXT, last_modified TEXT, fetched_at INTEGER, PRIMARY KEY (zoom_level, tile_row, tile_column)) WITHOUT ROWID;`;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS metadata (name TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS images (tile_id TEXT PRIMARY KEY, tile_data BLOB NOT NULL);
${MAP_TABLE}
${TILES_VIEW}
CREATE TABLE IF NOT EXISTS dashcamd_progress (id INTEGER PRIMARY KEY CHECK (id = 1), state TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS dashcamd_skipped (zoom_level INTEGER NOT NULL, tile_column INTEGER NOT NULL, tile_row INTEGER NOT NULL, kind TEXT NOT NULL, reason TEXT NOT NULL,
  PRIMARY KEY (zoom_level, tile_column, tile_row));
`;

/** Layout 1 -> 2: `map` clustered by row with the validators of `dashcamd_tile_meta` folded in. */
const FROM_LAYOUT_1 = `
DROP VIEW IF EXISTS tiles;
DROP INDEX IF EXISTS map_index;
ALTER TABLE map RENAME TO map_layout1;
${MAP_TABLE}
INSERT INTO map (zoom_level, tile_column, tile_row, tile_id, etag, last_modified, fetched_at)
  SELECT m.zoom_level, m.tile_column, m.tile_row, m.tile_id, t.etag, t.last_modified, t.fetched_at
  FROM map_layout1 m LEFT JOIN dashcamd_tile_meta t USING (zoom_level, tile_column, tile_row);
DROP TABLE map_layout1;
DROP TABLE IF EXISTS dashcamd_tile_meta;
${TILES_VIEW}
`;

/**
 * Creates the layout in a new file, or upgrades an older one, in one
 * transaction: a power cut leaves either the old layout or the new one.
 * A file from a newer dashcamd is refused rather than written wrongly.
 */
export function ensureLayout(db: Database.Database, file: string): void {
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > LAYOUT_VERSION) throw new Error(`${file} has MBTiles layout ${version}; this dashcamd knows up to ${LAYOUT_VERSION}`);
    if (version === LAYOUT_VERSION) return;
    const hasLayout1 = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'map'").get() !== undefined;
    if (hasLayout1) db.exec(FROM_LAYOUT_1);
    db.exec(SCHEMA);
    db.pragma(`user_version = ${LAYOUT_VERSION}`);
  })();
}
