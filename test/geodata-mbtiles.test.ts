import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { MbtilesReader, MbtilesWriter, emptyProgress, tileId, type JobProgress } from '../geodata/mbtiles.js';
import { checkImage, encodePng, syntheticTile } from '../geodata/image.js';
import { scratchDir } from './helpers/scratch.js';

function sqlite3(file: string, sql: string): string {
  // Fails (ENOENT) rather than skipping when the Debian sqlite3 CLI is missing.
  return execFileSync('sqlite3', [file, sql], { encoding: 'utf8' }).trim();
}

test('an MBTiles file opens in the sqlite3 CLI with TMS rows, metadata and deduplicated images', async () => {
  const file = join(await scratchDir(), 'a.mbtiles');
  const w = new MbtilesWriter(file);
  w.setMetadata({ name: 'test', format: 'png', bounds: [13, 52, 13.5, 52.5], center: [13.25, 52.25, 10], minzoom: 1, maxzoom: 3, attribution: '© test' });
  const tiles = [
    { z: 1, x: 0, y: 0, data: syntheticTile(1, 0, 0) },
    { z: 3, x: 2, y: 5, data: syntheticTile(3, 2, 5) },
    { z: 3, x: 3, y: 5, data: syntheticTile(3, 3, 5) },
  ];
  w.commit(tiles, [], { ...emptyProgress(null), done: 3, stored: 3 });
  w.close();

  assert.equal(sqlite3(file, 'select count(*) from tiles'), '3');
  assert.equal(sqlite3(file, 'PRAGMA integrity_check'), 'ok');
  // XYZ y=5 at z=3 is TMS row 2; y=0 at z=1 is row 1.
  assert.equal(sqlite3(file, 'select zoom_level||"/"||tile_column||"/"||tile_row from tiles order by 1'), '1/0/1\n3/2/2\n3/3/2');
  // 1/0/0 and 3/2/5 are both "sea" tiles ((x + y) % 7 == 0): stored once.
  assert.equal(sqlite3(file, 'select count(*) from images'), '2');
  assert.equal(sqlite3(file, "select value from metadata where name in ('name','format','bounds','center','minzoom','maxzoom','attribution','type') order by name"),
    ['© test', '13.000000,52.000000,13.500000,52.500000', '13.250000,52.250000,10', 'png', '3', '1', 'test', 'baselayer'].join('\n'));
  // The unique index on (zoom_level, tile_column, tile_row) is map's primary key, clustered by row.
  assert.match(sqlite3(file, "select sql from sqlite_master where name = 'map'"), /PRIMARY KEY \(zoom_level, tile_row, tile_column\)\) WITHOUT ROWID$/);
  assert.throws(() => execFileSync('sqlite3', [file, "insert into map (zoom_level, tile_column, tile_row, tile_id) values (3, 2, 2, 'x')"], { stdio: 'pipe' }), /UNIQUE constraint failed/);

  const r = new MbtilesReader(file);
  assert.deepEqual(r.tile(3, 2, 5), tiles[1]!.data);
  assert.equal(r.tile(3, 2, 2), null);
  assert.equal(r.integrityCheck(), 'ok');
  r.close();
});

test('the progress row is committed atomically with its batch', async () => {
  const file = join(await scratchDir(), 'b.mbtiles');
  const w = new MbtilesWriter(file);
  const p1: JobProgress = { cursor: { z: 2, y: 0, x: 0 }, done: 1, stored: 1, missing: 0, failed: 0, bytes: 10, perZoom: { 1: { done: 1, missing: 0, failed: 0 } } };
  w.commit([{ z: 1, x: 1, y: 1, data: syntheticTile(1, 1, 1) }], [], p1);
  // A failing batch (the second tile's body is not a buffer) leaves neither tiles nor progress behind.
  const bad = { z: 2, x: 0, y: 0, data: 42 as unknown as Buffer };
  assert.throws(() => w.commit([{ z: 2, x: 1, y: 1, data: syntheticTile(2, 1, 1) }, bad], [], { ...p1, done: 3 }));
  assert.deepEqual(w.readProgress(), p1);
  assert.equal(w.hasTile(2, 1, 1), false);
  w.commit([], [{ z: 2, x: 3, y: 3, kind: 'missing', reason: 'HTTP 404' }], { ...p1, done: 2, missing: 1 });
  w.close();
  const r = new MbtilesReader(file);
  assert.equal(r.count(), 1);
  assert.equal(r.progress()?.missing, 1);
  assert.deepEqual(r.skipped(), [{ z: 2, x: 3, y: 3, kind: 'missing', reason: 'HTTP 404' }]);
  r.close();
});

/** A file as dashcamd wrote it before layout 2 (separate validators table, map with a rowid). */
function writeLayout1(file: string): void {
  const db = new Database(file);
  db.exec(`
CREATE TABLE metadata (name TEXT PRIMARY KEY, value TEXT);
CREATE TABLE images (tile_id TEXT PRIMARY KEY, tile_data BLOB NOT NULL);
CREATE TABLE map (zoom_level INTEGER NOT NULL, tile_column INTEGER NOT NULL, tile_row INTEGER NOT NULL, tile_id TEXT NOT NULL);
CREATE UNIQUE INDEX map_index ON map (zoom_level, tile_column, tile_row);
CREATE VIEW tiles AS SELECT map.zoom_level AS zoom_level, map.tile_column AS tile_column, map.tile_row AS tile_row, images.tile_data AS tile_data
  FROM map JOIN images ON images.tile_id = map.tile_id;
CREATE TABLE dashcamd_tile_meta (zoom_level INTEGER NOT NULL, tile_column INTEGER NOT NULL, tile_row INTEGER NOT NULL,
  etag TEXT, last_modified TEXT, fetched_at INTEGER NOT NULL, PRIMARY KEY (zoom_level, tile_column, tile_row));
CREATE TABLE dashcamd_progress (id INTEGER PRIMARY KEY CHECK (id = 1), state TEXT NOT NULL);
CREATE TABLE dashcamd_skipped (zoom_level INTEGER NOT NULL, tile_column INTEGER NOT NULL, tile_row INTEGER NOT NULL, kind TEXT NOT NULL, reason TEXT NOT NULL,
  PRIMARY KEY (zoom_level, tile_column, tile_row));`);
  const img = db.prepare('INSERT OR IGNORE INTO images VALUES (?, ?)');
  const map = db.prepare('INSERT INTO map VALUES (?, ?, ?, ?)');
  for (const [z, x, y] of [[1, 0, 0], [3, 2, 5], [3, 3, 5]] as const) {
    const data = syntheticTile(z, x, y);
    img.run(tileId(data), data);
    map.run(z, x, (1 << z) - 1 - y, tileId(data));
  }
  db.prepare('INSERT INTO dashcamd_tile_meta VALUES (3, 2, 2, ?, ?, ?)').run('"v1"', 'Tue, 01 Dec 2026 00:00:00 GMT', 1_700_000_000_000);
  db.prepare('INSERT INTO dashcamd_progress VALUES (1, ?)').run(JSON.stringify({ ...emptyProgress(null), done: 3, stored: 3 }));
  db.close();
}

test('a file of layout 1 is upgraded in place: same tiles, validators kept, old tables gone', async () => {
  const file = join(await scratchDir(), 'old.mbtiles');
  writeLayout1(file);
  const before = new MbtilesReader(file).digest();
  assert.equal(before.size, 3);
  const w = new MbtilesWriter(file);
  assert.deepEqual(w.tileState(3, 2, 5), { stored: true, meta: { etag: '"v1"', lastModified: 'Tue, 01 Dec 2026 00:00:00 GMT', fetchedAt: 1_700_000_000_000 } });
  assert.deepEqual(w.tileState(3, 3, 5), { stored: true, meta: null });
  assert.deepEqual(w.tileState(3, 4, 5), { stored: false, meta: null });
  assert.equal(w.readProgress()?.done, 3);
  // It goes on as a layout 2 file: a 304 renews validators, a new tile is added.
  w.commit([{ z: 3, x: 3, y: 5, data: null, meta: { etag: '"v2"', lastModified: null, fetchedAt: 1_800_000_000_000 } }, { z: 3, x: 4, y: 5, data: syntheticTile(3, 4, 5) }], [], { ...emptyProgress(null), done: 4, stored: 4 });
  assert.deepEqual(w.tileState(3, 3, 5).meta, { etag: '"v2"', lastModified: null, fetchedAt: 1_800_000_000_000 });
  w.close();
  assert.equal(sqlite3(file, 'PRAGMA user_version'), '2');
  assert.equal(sqlite3(file, "select group_concat(name) from sqlite_master where name in ('dashcamd_tile_meta', 'map_index', 'map_layout1')"), '');
  assert.equal(sqlite3(file, 'PRAGMA integrity_check'), 'ok');
  const after = new MbtilesReader(file).digest();
  assert.equal(after.size, 4);
  for (const [k, v] of before) assert.equal(after.get(k), v, k);
  // Opening it again changes nothing.
  new MbtilesWriter(file).close();
  assert.equal(new MbtilesReader(file).digest().size, 4);
});

test('a file of a newer layout is refused, not written', async () => {
  const file = join(await scratchDir(), 'new.mbtiles');
  new MbtilesWriter(file).close();
  const db = new Database(file);
  db.pragma('user_version = 99');
  db.close();
  assert.throws(() => new MbtilesWriter(file), /has MBTiles layout 99; this dashcamd knows up to 2/);
});

test('the file uses WAL with synchronous NORMAL', async () => {
  const file = join(await scratchDir(), 'c.mbtiles');
  new MbtilesWriter(file).close();
  const db = new Database(file);
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  db.close();
});

test('only complete images of the declared format pass the body check', () => {
  const png = encodePng(8, () => [1, 2, 3]);
  assert.equal(checkImage(png, 'png'), null);
  assert.equal(checkImage(png.subarray(0, png.length - 5), 'png'), 'truncated PNG (no IEND chunk)');
  assert.equal(checkImage(Buffer.concat([png, Buffer.from('x')]), 'png'), 'PNG has bytes after IEND');
  assert.equal(checkImage(Buffer.from('<html>Access denied</html>'), 'png'), 'not a PNG (bad signature)');
  assert.equal(checkImage(png, 'jpg'), 'not a JPEG (bad signature)');
  const jpg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 0xff, 0xd9]);
  assert.equal(checkImage(jpg, 'jpg'), null);
  assert.equal(checkImage(jpg.subarray(0, 7), 'jpg'), 'truncated JPEG (no end marker)');
  const webp = Buffer.concat([Buffer.from('RIFF'), Buffer.from([6, 0, 0, 0]), Buffer.from('WEBPxy')]);
  assert.equal(checkImage(webp, 'webp'), null);
  assert.equal(checkImage(webp.subarray(0, 13), 'webp'), 'truncated WebP (RIFF size mismatch)');
  assert.equal(checkImage(Buffer.alloc(0), 'png'), 'empty body');
});
