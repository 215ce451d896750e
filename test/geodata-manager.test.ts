import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { StateStore } from '../daemon/state.js';
import type { DownloadJob, EventMessage, SequencedMessage } from '../daemon/protocol.js';
import { DownloadManager, type DownloadManagerOptions } from '../geodata/manager.js';
import { sourceSchema, type JobSpec } from '../geodata/job-spec.js';
import { estimateJob } from '../geodata/estimate.js';
import { MbtilesReader, tileId } from '../geodata/mbtiles.js';
import { TileArea } from '../geodata/area.js';
import { DEFAULT_TUNING } from '../geodata/worker-protocol.js';
import { TileServer } from './helpers/tile-server.js';
import { recordingLogger } from './helpers/daemon.js';
import { scratchDir } from './helpers/scratch.js';

const TUNING = { ...DEFAULT_TUNING, batchSize: 8, commitIntervalMs: 100, backoffBaseMs: 20, backoffMaxMs: 200, idleTimeoutMs: 1000, offlineProbeMaxMs: 200 };

interface Rig {
  store: StateStore;
  messages: SequencedMessage[];
  manager: DownloadManager;
  dataDir: string;
  free: { bytes: number };
  restart(): Promise<void>;
}

async function rig(overrides: Partial<DownloadManagerOptions> = {}): Promise<Rig> {
  const dataDir = await scratchDir();
  const store = new StateStore();
  const messages: SequencedMessage[] = [];
  store.onMessage((m) => messages.push(m));
  const free = { bytes: 10 * 1024 ** 3 };
  const make = (): DownloadManager =>
    new DownloadManager(
      { dataDir, parallelJobs: 1, diskFloorBytes: 1024 ** 3, diskCheckMs: 100, userAgent: 'dashcamd/test', tuning: TUNING, freeBytes: async () => free.bytes, ...overrides },
      store,
      recordingLogger().log,
    );
  const r: Rig = {
    store,
    messages,
    manager: make(),
    dataDir,
    free,
    async restart() {
      await r.manager.stop();
      r.manager = make();
      await r.manager.start();
    },
  };
  await r.manager.start();
  return r;
}

function jobSpec(server: TileServer, maxZoom = 12): JobSpec {
  return { name: 'job', source: sourceSchema.parse({ name: 'local', url: server.template, maxConnections: 2, maxRequestsPerSecond: 300 }), area: { type: 'bbox', bbox: [13.0, 52.3, 13.6, 52.6] }, minZoom: 8, maxZoom };
}

async function until<T>(what: string, fn: () => T | undefined | null | false, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const job = (r: Rig, id: string): DownloadJob | undefined => r.store.get('downloads')[id];
const events = (r: Rig, name: string): EventMessage[] => r.messages.filter((m): m is EventMessage => m.type === 'event' && m.name === name);

function assertComplete(server: TileServer, spec: JobSpec, file: string): void {
  const reader = new MbtilesReader(file);
  const digest = reader.digest();
  const tiles = [...new TileArea(spec.area, spec.minZoom, spec.maxZoom).tiles()];
  assert.equal(digest.size, tiles.length);
  for (const t of tiles) assert.equal(digest.get(`${t.z}/${t.x}/${t.y}`), tileId(server.body(t.z, t.x, t.y)));
  assert.equal(reader.integrityCheck(), 'ok');
  reader.close();
}

test('pause stops requests, survives a restart, and resume completes the job with every tile', async () => {
  const server = await new TileServer({ latencyMs: 10 }).start();
  const r = await rig();
  const spec = jobSpec(server);
  const created = r.manager.create(spec, estimateJob(spec, { avgTileBytes: 1000, tileCap: 1e6 }));
  assert.equal(created.tilesTotal, new TileArea(spec.area, 8, 12).total());
  assert.equal(created.fileBytes, undefined, 'no size before the job has run');
  await until('progress', () => (job(r, created.id)?.tilesDone ?? 0) > 20);
  r.manager.pause(created.id);
  assert.equal(r.manager.get(created.id).state, 'paused');
  await until('paused in the store', () => job(r, created.id)?.state === 'paused');
  await new Promise((res) => setTimeout(res, 1000)); // "within 1 s"
  const onDisk = (f: string): number => statSync(f).size + (existsSync(`${f}-wal`) ? statSync(`${f}-wal`).size : 0);
  const paused = r.manager.get(created.id);
  assert.ok((paused.fileBytes ?? 0) > 0, 'a stopped job reports its file size');
  assert.equal(job(r, created.id)?.fileBytes, paused.fileBytes, 'the size reaches the phone');
  const after = server.requests.length;
  await new Promise((res) => setTimeout(res, 400));
  assert.equal(server.requests.length, after, 'a paused job still downloads');

  await r.restart();
  assert.equal(r.manager.get(created.id).state, 'paused', 'pause survives a restart');
  const doneBefore = r.manager.get(created.id).tilesDone;
  assert.ok(doneBefore > 0);
  r.manager.resume(created.id);
  await until('done', () => job(r, created.id)?.state === 'done');
  const final = r.manager.get(created.id);
  assert.equal(final.tilesDone, final.tilesTotal);
  assert.deepEqual(final.perZoom?.map((z) => z.done), final.perZoom?.map((z) => z.total));
  const done = events(r, 'done');
  assert.equal(done.length, 1);
  assert.equal(done[0]!.data.tilesStored, final.tilesTotal);
  // Finished: the WAL is folded in, and the size is what the SD card holds.
  const file = String(done[0]!.data.file);
  assert.equal(final.fileBytes, onDisk(file));
  assert.ok(final.fileBytes! > (paused.fileBytes ?? 0) / 2, `${final.fileBytes} bytes`);
  assertComplete(server, spec, String(done[0]!.data.file));
  await r.manager.stop();
  await server.stop();
});

test('progress reaches the store at most 4 times per second per job', async () => {
  const server = await new TileServer({ latencyMs: 2 }).start();
  const r = await rig();
  const spec = jobSpec(server, 12);
  const started = Date.now();
  const { id } = r.manager.create(spec, estimateJob(spec, { avgTileBytes: 1000, tileCap: 1e6 }));
  await until('done', () => job(r, id)?.state === 'done');
  const elapsedS = (Date.now() - started) / 1000;
  const updates = r.messages.filter((m) => m.type === 'delta' && m.topic === 'downloads' && m.key === id).length;
  assert.ok(updates <= Math.ceil(elapsedS * 4) + 2, `${updates} updates in ${elapsedS.toFixed(2)} s`);
  assert.ok(updates >= 2);
  await r.manager.stop();
  await server.stop();
});

test('cancel ends a job with an event, and delete removes it and its file', async () => {
  const server = await new TileServer({ latencyMs: 10 }).start();
  const r = await rig();
  const spec = jobSpec(server);
  const { id } = r.manager.create(spec, estimateJob(spec, { avgTileBytes: 1000, tileCap: 1e6 }));
  await until('progress', () => (job(r, id)?.tilesDone ?? 0) > 5);
  r.manager.cancel(id);
  await until('cancelled event', () => events(r, 'cancelled').length === 1);
  assert.equal(r.manager.get(id).state, 'cancelled');
  assert.throws(() => r.manager.resume(id), /cannot be resumed/);
  const file = String(events(r, 'cancelled')[0]!.data.file);
  assert.ok(existsSync(file));
  await r.manager.delete(id);
  assert.equal(existsSync(file), false);
  assert.equal(r.store.get('downloads')[id], undefined);
  assert.throws(() => r.manager.get(id), /no download job/);
  await r.restart();
  assert.deepEqual(r.manager.list(), []);
  await r.manager.stop();
  await server.stop();
});

test('low disk space pauses the job as diskLow and it resumes when space returns', async () => {
  const server = await new TileServer({ latencyMs: 10 }).start();
  const r = await rig();
  const spec = jobSpec(server);
  const { id } = r.manager.create(spec, estimateJob(spec, { avgTileBytes: 1000, tileCap: 1e6 }));
  await until('progress', () => (job(r, id)?.tilesDone ?? 0) > 10);
  r.free.bytes = 100 * 1024 ** 2; // below the 1 GiB floor
  await until('diskLow', () => job(r, id)?.state === 'diskLow');
  assert.match(job(r, id)?.reason ?? '', /^disk low: 100 MB free, below the floor of 1024 MB$/);
  await new Promise((res) => setTimeout(res, 1000));
  const frozen = server.requests.length;
  await new Promise((res) => setTimeout(res, 400));
  assert.equal(server.requests.length, frozen, 'downloads continue on a full disk');
  r.free.bytes = 5 * 1024 ** 3;
  await until('done', () => job(r, id)?.state === 'done');
  assertComplete(server, spec, String(events(r, 'done')[0]!.data.file));
  await r.manager.stop();
  await server.stop();
});

test('a job running when the daemon stops resumes by itself on the next start', async () => {
  const server = await new TileServer({ latencyMs: 10 }).start();
  const r = await rig();
  const spec = jobSpec(server);
  const { id } = r.manager.create(spec, estimateJob(spec, { avgTileBytes: 1000, tileCap: 1e6 }));
  await until('progress', () => (job(r, id)?.tilesDone ?? 0) > 10);
  await r.manager.stop();
  const seen: string[] = [];
  r.store.onMessage((m) => {
    if (m.type === 'delta' && m.topic === 'downloads' && m.value) seen.push(m.value.state);
  });
  await r.restart();
  await until('done', () => job(r, id)?.state === 'done');
  assert.ok(seen.includes('interrupted') || seen.includes('running'), seen.join(','));
  assertComplete(server, spec, String(events(r, 'done')[0]!.data.file));
  await r.manager.stop();
  await server.stop();
});

test('a blocked source fails the job with its reason in the failed event', async () => {
  const server = await new TileServer({ fault: () => ({ kind: 'status', status: 418 }) }).start();
  const r = await rig();
  const spec = jobSpec(server, 9);
  const { id } = r.manager.create(spec, estimateJob(spec, { avgTileBytes: 1000, tileCap: 1e6 }));
  await until('failed', () => job(r, id)?.state === 'failed');
  const failed = events(r, 'failed');
  assert.equal(failed.length, 1);
  assert.match(String(failed[0]!.data.reason), /^blocked by source local: HTTP 418/);
  await r.manager.stop();
  await server.stop();
});

test('parallel jobs run side by side up to the configured number, the rest wait queued', async () => {
  const server = await new TileServer({ latencyMs: 10 }).start();
  const r = await rig({ parallelJobs: 2 });
  const spec = jobSpec(server);
  const ids = [0, 1, 2].map(() => r.manager.create(spec, estimateJob(spec, { avgTileBytes: 1000, tileCap: 1e6 })).id);
  await until('two running', () => ids.filter((id) => r.manager.get(id).state === 'running').length === 2);
  assert.equal(r.manager.get(ids[2]!).state, 'queued');
  await until('all done', () => ids.every((id) => r.manager.get(id).state === 'done'), 60_000);
  assert.equal(events(r, 'done').length, 3);
  await r.manager.stop();
  await server.stop();
});

test('a job shows waitingForNetwork while the source is unreachable and finishes once it is back', async () => {
  const server = await new TileServer().start();
  const spec = jobSpec(server, 10);
  await server.stop();
  const r = await rig();
  const { id } = r.manager.create(spec, estimateJob(spec, { avgTileBytes: 1000, tileCap: 1e6 }));
  await until('waitingForNetwork', () => job(r, id)?.state === 'waitingForNetwork');
  assert.match(job(r, id)?.reason ?? '', /^network unreachable \(ECONNREFUSED\)$/);
  assert.equal(r.manager.get(id).tilesFailed, 0);
  await server.start(server.port);
  await until('done', () => job(r, id)?.state === 'done');
  assert.equal(r.manager.get(id).tilesFailed, 0);
  await r.manager.stop();
  await server.stop();
});
