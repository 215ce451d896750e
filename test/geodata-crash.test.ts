import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { MbtilesReader, tileId } from '../geodata/mbtiles.js';
import { TileArea } from '../geodata/area.js';
import { TileServer } from './helpers/tile-server.js';
import { ROOT } from './helpers/daemon.js';
import { scratchDir } from './helpers/scratch.js';
import type { AreaSpec } from '../geodata/area.js';

const CRASH_AREA: AreaSpec = { type: 'bbox', bbox: [13.0, 52.3, 13.6, 52.6] };
const CRASH_ZOOMS = { minZoom: 8, maxZoom: 15 };

interface RunnerLine {
  event: string;
  done?: number;
  state?: string;
  data?: Record<string, unknown>;
}

/** Starts the runner; resolves lines as they come, and the exit. */
function runner(dataDir: string, template: string): { lines: RunnerLine[]; kill(): void; exit: Promise<NodeJS.Signals | number | null>; next(pred: (l: RunnerLine) => boolean, timeoutMs?: number): Promise<RunnerLine> } {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/helpers/download-runner.ts'), dataDir, template, JSON.stringify({ area: CRASH_AREA, ...CRASH_ZOOMS })], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: RunnerLine[] = [];
  const waiters: Array<{ pred: (l: RunnerLine) => boolean; resolve: (l: RunnerLine) => void }> = [];
  createInterface({ input: proc.stdout }).on('line', (raw) => {
    const l = JSON.parse(raw) as RunnerLine;
    lines.push(l);
    if (process.env.CRASH_DEBUG) console.error('runner:', raw);
    for (const w of [...waiters]) if (w.pred(l)) (waiters.splice(waiters.indexOf(w), 1), w.resolve(l));
  });
  const exit = new Promise<NodeJS.Signals | number | null>((resolve) => proc.on('exit', (code, signal) => resolve(signal ?? code)));
  return {
    lines,
    exit,
    kill: () => proc.kill('SIGKILL'),
    next: (pred, timeoutMs = 60_000) =>
      new Promise((resolve, reject) => {
        const found = lines.find(pred);
        if (found) return resolve(found);
        const t = setTimeout(() => reject(new Error('runner: expected line did not come')), timeoutMs);
        waiters.push({ pred, resolve: (l) => (clearTimeout(t), resolve(l)) });
        void exit.then((e) => setTimeout(() => reject(new Error(`runner exited (${e})`)), 100));
      }),
  };
}

test('SIGKILL at random moments, restarted each time, still ends with exactly the expected tiles byte for byte', async () => {
  const server = await new TileServer({ latencyMs: 2 }).start();
  const dataDir = await scratchDir();
  const expected = [...new TileArea(CRASH_AREA, CRASH_ZOOMS.minZoom, CRASH_ZOOMS.maxZoom).tiles()];
  const kills: number[] = [];
  for (let i = 0; i < 5; i++) {
    const r = runner(dataDir, server.template);
    // Wait until it is really downloading, then kill it a random while later.
    const first = await r.next((l) => l.event === 'progress' && l.state === 'running' && (l.done ?? 0) > 0).catch(() => null);
    if (!first) break; // the job finished before this run got going
    await new Promise((res) => setTimeout(res, 50 + Math.random() * 600));
    if (r.lines.some((l) => l.event === 'done')) {
      r.kill();
      await r.exit;
      break;
    }
    r.kill();
    assert.equal(await r.exit, 'SIGKILL');
    kills.push(Math.max(0, ...r.lines.map((l) => l.done ?? 0)));
  }
  assert.ok(kills.length >= 3, `only ${kills.length} kills landed mid-download`);
  const last = runner(dataDir, server.template);
  const done = await last.next((l) => l.event === 'done', 120_000);
  last.kill();
  await last.exit;
  await server.stop();

  assert.equal(done.data?.tilesStored, expected.length);
  assert.equal(done.data?.tilesDone, expected.length);
  const files = readdirSync(join(dataDir, 'tiles')).filter((f) => f.endsWith('.mbtiles'));
  assert.equal(files.length, 1);
  const file = join(dataDir, 'tiles', files[0]!);
  const reader = new MbtilesReader(file);
  const digest = reader.digest();
  assert.equal(digest.size, expected.length);
  for (const t of expected) assert.equal(digest.get(`${t.z}/${t.x}/${t.y}`), tileId(server.body(t.z, t.x, t.y)), `${t.z}/${t.x}/${t.y}`);
  const p = reader.progress()!;
  assert.deepEqual({ done: p.done, stored: p.stored, missing: p.missing, failed: p.failed, cursor: p.cursor }, { done: expected.length, stored: expected.length, missing: 0, failed: 0, cursor: null });
  reader.close();
  assert.equal(execFileSync('sqlite3', [file, 'PRAGMA integrity_check'], { encoding: 'utf8' }).trim(), 'ok');
  assert.equal(execFileSync('sqlite3', [file, 'select count(*) from tiles'], { encoding: 'utf8' }).trim(), String(expected.length));
  // Each restart redid at most one batch of tiles (32: in flight or waiting to be committed).
  const served = server.requests.filter((q) => q.served).length;
  assert.ok(served <= expected.length + kills.length * 32, `${served} tiles served for ${expected.length} (${kills.length} kills)`);
});
