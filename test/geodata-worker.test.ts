import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startWorker } from '../geodata/worker-host.js';
import { MbtilesReader, tileId } from '../geodata/mbtiles.js';
import { TileArea } from '../geodata/area.js';
import { sourceSchema, type JobSpec } from '../geodata/job-spec.js';
import { parseRetryAfter } from '../geodata/fetcher.js';
import { checkImage } from '../geodata/image.js';
import { DEFAULT_TUNING, type WorkerInput, type WorkerMessage } from '../geodata/worker-protocol.js';
import { TileServer, type Fault } from './helpers/tile-server.js';
import { scratchDir } from './helpers/scratch.js';

const FAST = { ...DEFAULT_TUNING, batchSize: 16, commitIntervalMs: 100, backoffBaseMs: 20, backoffMaxMs: 200, idleTimeoutMs: 400, offlineProbeMaxMs: 200, defaultRetryAfterMs: 200, maxAttempts: 5 };
// 4 x 3 tiles at zoom 10 plus their parents: 12 + 4 + ... small and quick.
const AREA = { type: 'bbox' as const, bbox: [13.0, 52.3, 13.9, 52.7] as const };

function spec(server: TileServer, extra: Partial<JobSpec['source']> = {}, minZoom = 8, maxZoom = 11): JobSpec {
  return { name: 'test', source: sourceSchema.parse({ name: 'local', url: server.template, maxConnections: 4, maxRequestsPerSecond: 500, ...extra }), area: { type: 'bbox', bbox: AREA.bbox }, minZoom, maxZoom };
}

function expectedKeys(s: JobSpec): string[] {
  return [...new TileArea(s.area, s.minZoom, s.maxZoom).tiles()].map((t) => `${t.z}/${t.x}/${t.y}`);
}

async function run(input: WorkerInput, onProgress: (m: Extract<WorkerMessage, { type: 'progress' }>) => void = () => undefined): Promise<Exclude<WorkerMessage, { type: 'progress' }>> {
  return startWorker(input, onProgress).done;
}

test('Retry-After is read as seconds or as an HTTP date', () => {
  assert.equal(parseRetryAfter('3'), 3000);
  assert.equal(parseRetryAfter(new Date(10_000).toUTCString(), 4_000), 6000);
  assert.equal(parseRetryAfter('soon'), null);
  assert.equal(parseRetryAfter(undefined), null);
});

test('faults never leave a broken tile: retriable tiles are all stored byte for byte and 404s are reported', async () => {
  const faults: Record<string, Fault[]> = {};
  const server = await new TileServer({ fault: (key, attempt) => faults[key]?.[attempt] ?? null }).start();
  const s = spec(server);
  const keys = expectedKeys(s);
  assert.ok(keys.length > 40, `area too small: ${keys.length}`);
  const pick = (i: number): string => keys[Math.floor((i * keys.length) / 11)] as string;
  faults[pick(1)] = [{ kind: 'status', status: 429, retryAfter: '1' }];
  faults[pick(2)] = [{ kind: 'status', status: 503 }, { kind: 'status', status: 503, retryAfter: new Date(Date.now() + 300).toUTCString() }];
  faults[pick(3)] = [{ kind: 'reset' }, { kind: 'reset' }];
  faults[pick(4)] = [{ kind: 'truncate' }];
  faults[pick(5)] = [{ kind: 'stall' }];
  faults[pick(6)] = [{ kind: 'html200' }, { kind: 'status', status: 500 }];
  faults[pick(7)] = Array.from({ length: 9 }, () => ({ kind: 'status', status: 404 }) as Fault);
  faults[pick(8)] = Array.from({ length: 9 }, () => ({ kind: 'status', status: 410 }) as Fault);
  faults[pick(9)] = Array.from({ length: 20 }, () => ({ kind: 'truncate' }) as Fault); // never succeeds
  const file = join(await scratchDir(), 'faults.mbtiles');
  const states = new Set<string>();
  const end = await run({ jobId: 'f', file, spec: s, userAgent: 'dashcamd/0.1.0 (+test@example.org)', tuning: FAST }, (m) => states.add(m.state));
  await server.stop();

  assert.equal(end.type, 'finished', JSON.stringify(end));
  const r = new MbtilesReader(file);
  const digest = r.digest();
  const lost = new Set([pick(7), pick(8), pick(9)]);
  for (const k of keys) {
    const [z, x, y] = k.split('/').map(Number) as [number, number, number];
    if (lost.has(k)) assert.equal(digest.has(k), false, `${k} must not be stored`);
    else assert.equal(digest.get(k), tileId(server.body(z, x, y)), `${k} stored wrong or missing`);
  }
  for (const k of digest.keys()) {
    const [z, x, y] = k.split('/').map(Number) as [number, number, number];
    assert.equal(checkImage(r.tile(z, x, y)!, 'png'), null);
  }
  assert.deepEqual(r.skipped().map((t) => `${t.z}/${t.x}/${t.y} ${t.kind} ${t.reason.replace(/ \(.*$/, '')}`).sort(), [
    `${pick(7)} missing HTTP 404`,
    `${pick(8)} missing HTTP 410`,
    `${pick(9)} failed truncated body`,
  ].sort());
  const p = r.progress()!;
  assert.deepEqual({ done: p.done, stored: p.stored, missing: p.missing, failed: p.failed, cursor: p.cursor }, { done: keys.length, stored: keys.length - 3, missing: 2, failed: 1, cursor: null });
  assert.equal(r.integrityCheck(), 'ok');
  r.close();
  assert.equal(server.attemptsFor(pick(9)), FAST.maxAttempts);
  assert.equal(server.attemptsFor(pick(7)), 1, '404 is not retried');
  assert.ok(states.has('backingOff'), `the 429 paused the source (states seen: ${[...states].join(',')})`);
  assert.ok(server.requests.every((q) => q.userAgent === 'dashcamd/0.1.0 (+test@example.org)'));
});

test('a 403 stops the job with a clear blocked-by-source reason and stores no error body', async () => {
  const server = await new TileServer({ fault: (key) => (key.startsWith('10/') ? { kind: 'status', status: 403, body: 'blocked' } : null) }).start();
  const file = join(await scratchDir(), 'blocked.mbtiles');
  const end = await run({ jobId: 'b', file, spec: spec(server), userAgent: 'dashcamd/test', tuning: FAST });
  await server.stop();
  assert.equal(end.type, 'failed');
  assert.match(end.type === 'failed' ? end.reason : '', /^blocked by source local: HTTP 403 for 10\//);
  const r = new MbtilesReader(file);
  for (const k of r.digest().keys()) assert.ok(!k.startsWith('10/'), `${k} stored`);
  assert.ok(r.progress()!.cursor !== null, 'the job is not marked complete');
  r.close();
  const retried = server.requests.filter((q) => !q.served).length;
  assert.ok(retried <= 4, `403 must not be retried (${retried} blocked requests)`);
});

test('without network the job waits visibly instead of failing tiles, then completes when the network returns', async () => {
  const server = await new TileServer().start();
  const s = spec(server, {}, 8, 10);
  await server.stop(); // the port is known but nothing listens: connection refused
  const file = join(await scratchDir(), 'offline.mbtiles');
  let waiting!: () => void;
  const sawWaiting = new Promise<void>((r) => (waiting = r));
  const w = startWorker({ jobId: 'o', file, spec: s, userAgent: 'dashcamd/test', tuning: FAST }, (m) => {
    if (m.state === 'waitingForNetwork') waiting();
  });
  await sawWaiting;
  await new Promise((r) => setTimeout(r, 500));
  await server.start(server.port);
  const end = await w.done;
  await server.stop();
  assert.equal(end.type, 'finished');
  const p = end.progress!;
  assert.equal(p.failed, 0);
  assert.equal(p.stored, expectedKeys(s).length);
});

test('a network that silently drops everything puts the job in waitingForNetwork instead of failing tiles', async () => {
  const net = { down: true };
  const server = await new TileServer({ fault: () => (net.down ? { kind: 'blackhole' } : null) }).start();
  const s = spec(server, { maxConnections: 2 }, 8, 10);
  const file = join(await scratchDir(), 'blackhole.mbtiles');
  let waiting!: () => void;
  const sawWaiting = new Promise<void>((r) => (waiting = r));
  let reason = '';
  const w = startWorker({ jobId: 'bh', file, spec: s, userAgent: 'dashcamd/test', tuning: { ...FAST, idleTimeoutMs: 200, maxAttempts: 5 } }, (m) => {
    if (m.state === 'waitingForNetwork') (reason = m.reason ?? ''), waiting();
  });
  await Promise.race([sawWaiting, w.done.then((m) => assert.fail(`the job ended (${m.type}, ${m.progress?.failed} failed) without waiting for the network`))]);
  assert.match(reason, /^network unreachable \(no response to \d+ requests in a row\)$/);
  await new Promise((r) => setTimeout(r, 1000)); // several more silent timeouts: still no tile failed
  net.down = false;
  const end = await w.done;
  await server.stop();
  assert.equal(end.type, 'finished');
  assert.equal(end.progress!.failed, 0);
  assert.equal(end.progress!.stored, expectedKeys(s).length);
});

test('a stopped job resumes from its cursor and the result is identical to an uninterrupted run', async () => {
  const server = await new TileServer({ latencyMs: 5 }).start();
  const s = spec(server, { maxConnections: 2 }, 8, 12);
  const file = join(await scratchDir(), 'resume.mbtiles');
  let stopAt!: () => void;
  const half = new Promise<void>((r) => (stopAt = r));
  const w = startWorker({ jobId: 'r', file, spec: s, userAgent: 'dashcamd/test', tuning: FAST }, (m) => {
    if (m.progress.done > 40) stopAt();
  });
  await half;
  const stopped = await w.stop();
  assert.equal(stopped.type, 'stopped');
  assert.ok(stopped.progress!.cursor !== null);
  const end = await run({ jobId: 'r', file, spec: s, userAgent: 'dashcamd/test', tuning: FAST });
  await server.stop();
  assert.equal(end.type, 'finished');
  const keys = expectedKeys(s);
  const r = new MbtilesReader(file);
  assert.deepEqual([...r.digest().keys()].sort(), [...keys].sort());
  assert.equal(r.progress()!.done, keys.length);
  r.close();
  // Resuming did not restart from scratch: at most a window of tiles was fetched twice.
  assert.ok(server.requests.length <= keys.length + 64, `${server.requests.length} requests for ${keys.length} tiles`);
});

test('bodies waiting for their commit stay bounded: a batch larger than the job still commits as bytes pile up', async () => {
  const server = await new TileServer({ latencyMs: 5 }).start();
  // Slow enough (about a second) for several progress reports.
  const s = spec(server, { maxConnections: 2, maxRequestsPerSecond: 60 });
  const keys = expectedKeys(s);
  const file = join(await scratchDir(), 'held.mbtiles');
  // One batch would hold the whole job and the commit timer never fires: only the byte bound commits early.
  const tuning = { ...FAST, batchSize: 10_000, commitIntervalMs: 600_000, maxHeldBytes: 4 * server.body(8, 137, 84).length };
  const seen: number[] = [];
  const end = await run({ jobId: 'h', file, spec: s, userAgent: 'dashcamd/test', tuning }, (m) => seen.push(m.progress.done));
  await server.stop();
  assert.equal(end.type, 'finished', JSON.stringify(end));
  assert.ok(seen.some((d) => d > 0 && d < keys.length), `no partial commit reported: ${seen.join(',')}`);
  const r = new MbtilesReader(file);
  const digest = r.digest();
  assert.equal(digest.size, keys.length);
  for (const k of keys) {
    const [z, x, y] = k.split('/').map(Number) as [number, number, number];
    assert.equal(digest.get(k), tileId(server.body(z, x, y)), `${k} stored wrong or missing`);
  }
  assert.equal(r.progress()!.done, keys.length);
  r.close();
});
