import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { MbtilesReader, MbtilesWriter, emptyProgress, type JobProgress } from '../geodata/mbtiles.js';
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
  assert.match(sqlite3(file, "select sql from sqlite_master where name = 'map_index'"), /CREATE UNIQUE INDEX map_index ON map \(zoom_level, tile_column, tile_row\)/);

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
