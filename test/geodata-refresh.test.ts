import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StateStore } from '../daemon/state.js';
import type { EventMessage } from '../daemon/protocol.js';
import { DownloadManager } from '../geodata/manager.js';
import { sourceSchema, type JobSpec } from '../geodata/job-spec.js';
import { estimateJob } from '../geodata/estimate.js';
import { MbtilesReader, tileId } from '../geodata/mbtiles.js';
import { TileArea } from '../geodata/area.js';
import { DEFAULT_TUNING } from '../geodata/worker-protocol.js';
import { TileServer } from './helpers/tile-server.js';
import { recordingLogger } from './helpers/daemon.js';
import { scratchDir } from './helpers/scratch.js';

test('a refresh revalidates old tiles with conditional requests: 304s keep them, changed tiles are replaced', async () => {
  const server = await new TileServer().start();
  const store = new StateStore();
  const done: EventMessage[] = [];
  store.onMessage((m) => {
    if (m.type === 'event' && m.name === 'done') done.push(m);
  });
  const manager = new DownloadManager(
    { dataDir: await scratchDir(), parallelJobs: 1, diskFloorBytes: 0, diskCheckMs: 1000, userAgent: 'dashcamd/test', tuning: { ...DEFAULT_TUNING, batchSize: 16, commitIntervalMs: 100 } },
    store,
    recordingLogger().log,
  );
  await manager.start();
  const spec: JobSpec = { name: 'r', source: sourceSchema.parse({ name: 'local', url: server.template, maxConnections: 4, maxRequestsPerSecond: 500 }), area: { type: 'bbox', bbox: [13.0, 52.3, 13.6, 52.6] }, minZoom: 8, maxZoom: 11 };
  const tiles = [...new TileArea(spec.area, spec.minZoom, spec.maxZoom).tiles()];
  const waitDone = async (n: number): Promise<EventMessage> => {
    const end = Date.now() + 20_000;
    while (done.length < n && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    assert.equal(done.length, n, 'the job did not finish');
    return done[n - 1]!;
  };
  const digest = (file: string): Map<string, string> => {
    const r = new MbtilesReader(file);
    const d = r.digest();
    assert.equal(r.integrityCheck(), 'ok');
    r.close();
    return d;
  };
  try {
    const { id } = manager.create(spec, estimateJob(spec, { avgTileBytes: 1000, tileCap: 1e6 }));
    const first = await waitDone(1);
    const file = String(first.data.file);
    const before = digest(file);
    assert.equal(server.notModified, 0);
    assert.equal(manager.get(id).tilesNotModified, undefined, 'a first download is no refresh pass');

    // Nothing changed at the source: every tile comes back 304 and the file keeps its bodies.
    // The job shows the new pass from the start, not the finished pass's counters.
    const queued = manager.refresh(id, 0);
    assert.ok(queued.state === 'queued' || queued.state === 'running', queued.state);
    assert.deepEqual([queued.tilesDone, queued.bytes, queued.tilesNotModified], [0, 0, 0]);
    const second = await waitDone(2);
    assert.equal(server.notModified, tiles.length);
    assert.equal(second.data.tilesNotModified, tiles.length);
    assert.equal(manager.get(id).tilesNotModified, tiles.length, 'the live view carries the count too');
    assert.equal(second.data.tilesStored, tiles.length);
    assert.deepEqual(digest(file), before);

    // Two tiles changed: they are replaced, the others confirmed.
    const changed = [tiles[3]!, tiles[tiles.length - 2]!].map((t) => `${t.z}/${t.x}/${t.y}`);
    for (const k of changed) server.changed.add(k);
    manager.refresh(id, 0);
    const third = await waitDone(3);
    assert.equal(third.data.tilesNotModified, tiles.length - 2);
    const after = digest(file);
    for (const t of tiles) {
      const k = `${t.z}/${t.x}/${t.y}`;
      assert.equal(after.get(k), tileId(server.body(t.z, t.x, t.y)), k);
      assert.equal(after.get(k) === before.get(k), !changed.includes(k), k);
    }

    // Tiles younger than the max age are not requested at all.
    const requests = server.requests.length;
    manager.refresh(id, 86_400_000);
    const fourth = await waitDone(4);
    assert.equal(server.requests.length, requests);
    assert.equal(fourth.data.tilesNotModified, tiles.length);
    assert.throws(() => manager.refresh('nope', 0), /no download job/);
  } finally {
    await manager.stop();
    await server.stop();
  }
});
