import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { TileArea } from '../geodata/area.js';
import { MbtilesReader, tileId } from '../geodata/mbtiles.js';
import { TileServer } from './helpers/tile-server.js';
import { ROOT } from './helpers/daemon.js';
import { scratchDir } from './helpers/scratch.js';

function cli(args: string[], onStderr?: (text: string, kill: () => void) => void): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'daemon/cli.ts'), 'tiles', ...args], { cwd: ROOT });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    onStderr?.(stderr, () => proc.kill('SIGINT'));
  });
  return new Promise((resolve) => proc.on('exit', (code) => resolve({ code, stdout, stderr })));
}

const BBOX = [13.0, 52.3, 13.6, 52.6] as const;

test('tiles estimate prints exact counts per zoom', async () => {
  const r = await cli(['estimate', '--bbox', BBOX.join(','), '--zoom', '8-13', '--rate', '10', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const e = JSON.parse(r.stdout) as { perZoom: Array<{ zoom: number; tiles: number }>; tiles: number; seconds: number };
  const area = new TileArea({ type: 'bbox', bbox: BBOX }, 8, 13);
  assert.deepEqual(e.perZoom, [8, 9, 10, 11, 12, 13].map((z) => ({ zoom: z, tiles: area.countZoom(z) })));
  assert.equal(e.seconds, Math.ceil(area.total() / 10));
  const bad = await cli(['estimate', '--bbox', '13,52,12,53', '--zoom', '3-4']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /area\.bbox: west must be less than east/);
});

test('tiles download writes the MBTiles file, and an interrupted download resumes when run again', async () => {
  const server = await new TileServer({ latencyMs: 3 }).start();
  const out = join(await scratchDir(), 'cli.mbtiles');
  const args = ['download', '--url', server.template, '--bbox', BBOX.join(','), '--zoom', '8-14', '--out', out, '--concurrency', '4', '--rate', '300', '--contact', 'me@example.org'];
  let sent = false;
  const first = await cli(args, (text, kill) => {
    const m = /(\d+)\/\d+ tiles/.exec(text.split('\n').at(-2) ?? '');
    if (!sent && m && Number(m[1]) > 100) {
      sent = true;
      kill();
    }
  });
  assert.equal(first.code, 130, first.stderr);
  assert.match(first.stderr, /run the same command again to resume/);
  const second = await cli(args);
  await server.stop();
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, /^done: .*cli\.mbtiles: (\d+) stored, 0 missing, 0 failed/);
  const tiles = [...new TileArea({ type: 'bbox', bbox: BBOX }, 8, 14).tiles()];
  const r = new MbtilesReader(out);
  const digest = r.digest();
  assert.equal(digest.size, tiles.length);
  for (const t of tiles) assert.equal(digest.get(`${t.z}/${t.x}/${t.y}`), tileId(server.body(t.z, t.x, t.y)));
  r.close();
  assert.ok(server.requests.length < tiles.length + 100, 'the second run resumed instead of starting over');
  assert.ok(server.requests.every((q) => /^dashcamd\/\S+ \(\+me@example\.org\)$/.test(q.userAgent)));
});
