import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DownloadJob, EventMessage } from '../daemon/protocol.js';
import { TileArea } from '../geodata/area.js';
import { syntheticTile } from '../geodata/image.js';
import { TileServer } from './helpers/tile-server.js';
import { startInProcess } from './helpers/daemon.js';

const AREA = { type: 'bbox', bbox: [13.0, 52.3, 13.6, 52.6] };

async function call(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(base + path, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

test('the downloads API estimates, validates, confirms, runs, controls and deletes jobs', async () => {
  const server = await new TileServer({ latencyMs: 5 }).start();
  const d = await startInProcess({
    downloads: { tileCap: 50, diskFloorBytes: 0, contact: 'ops@example.org', sources: [{ name: 'local', url: server.template, maxConnections: 2, maxRequestsPerSecond: 400 }] },
  });
  const events: EventMessage[] = [];
  d.daemon.store.onMessage((m) => {
    if (m.type === 'event' && m.topic === 'downloads') events.push(m);
  });
  try {
    const api = d.url.replace(/\/$/, '');
    const area = new TileArea(AREA as never, 8, 12);

    const est = await call(api, 'POST', '/api/downloads/estimate', { source: 'local', area: AREA, minZoom: 8, maxZoom: 12 });
    assert.equal(est.status, 200);
    assert.deepEqual(est.json.perZoom, [8, 9, 10, 11, 12].map((z) => ({ zoom: z, tiles: area.countZoom(z) })));
    assert.equal(est.json.tiles, area.total());
    assert.equal(est.json.needsConfirm, area.total() > 50);
    assert.ok(area.total() > 50, 'the test area must exceed the cap');

    // A corridor is counted in a worker thread; the answer is the same exact count.
    const line = [[13.0, 52.3], [13.2, 52.4], [13.5, 52.45]] as Array<[number, number]>;
    const corridor = new TileArea({ type: 'corridor', lines: [line], widthKm: 3 }, 10, 15);
    const estC = await call(api, 'POST', '/api/downloads/estimate', { source: 'local', area: { type: 'corridor', widthKm: 3, line }, minZoom: 10, maxZoom: 15 });
    assert.equal(estC.status, 200);
    assert.deepEqual(estC.json.perZoom, [10, 11, 12, 13, 14, 15].map((z) => ({ zoom: z, tiles: corridor.countZoom(z) })));

    const bad = await call(api, 'POST', '/api/downloads', { source: 'local', area: { type: 'bbox', bbox: [14, 52, 13, 53] }, minZoom: 3, maxZoom: 25 });
    assert.equal(bad.status, 400);
    assert.deepEqual((bad.json.error as { details: string[] }).details, [
      'area.bbox: west must be less than east (areas across the antimeridian are not supported)',
      'maxZoom: Too big: expected number to be <=20',
    ]);
    const osm = await call(api, 'POST', '/api/downloads', { source: { name: 'osm', url: 'https://tile.openstreetmap.org/{z}/{x}/{y}.png' }, area: AREA, minZoom: 1, maxZoom: 2 });
    assert.equal(osm.status, 400);
    assert.match((osm.json.error as { details: string[] }).details[0]!, /^source\.url: tile\.openstreetmap\.org forbids bulk/);
    const unknown = await call(api, 'POST', '/api/downloads', { source: 'nope', area: AREA, minZoom: 1, maxZoom: 2 });
    assert.deepEqual((unknown.json.error as { details: string[] }).details, ['source: no configured source named "nope" (known: local, synthetic)']);

    const capped = await call(api, 'POST', '/api/downloads', { source: 'local', area: AREA, minZoom: 8, maxZoom: 12 });
    assert.equal(capped.status, 409);
    assert.equal((capped.json.error as { code: string }).code, 'CONFIRMATION_REQUIRED');

    const created = await call(api, 'POST', '/api/downloads', { name: 'Berlin', source: 'local', area: AREA, minZoom: 8, maxZoom: 12, confirm: true });
    assert.equal(created.status, 201);
    const job = created.json.job as DownloadJob;
    assert.equal(job.name, 'Berlin');
    assert.equal(job.tilesTotal, area.total());

    const paused = await call(api, 'POST', `/api/downloads/${job.id}/pause`);
    assert.equal((paused.json.job as DownloadJob).state, 'paused');
    const resumed = await call(api, 'POST', `/api/downloads/${job.id}/resume`);
    assert.ok(['queued', 'running'].includes((resumed.json.job as DownloadJob).state));

    const end = Date.now() + 30_000;
    while (!events.some((e) => e.name === 'done') && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    assert.equal(events.find((e) => e.name === 'done')?.data.tilesStored, area.total());
    assert.ok(server.requests.every((q) => q.userAgent === `dashcamd/${process.env.npm_package_version ?? q.userAgent.split('/')[1]!.split(' ')[0]} (+ops@example.org)`));

    const list = await call(api, 'GET', '/api/downloads');
    assert.deepEqual((list.json.jobs as DownloadJob[]).map((j) => [j.id, j.state]), [[job.id, 'done']]);
    assert.equal((await call(api, 'POST', `/api/downloads/${job.id}/cancel`)).status, 409);
    const refreshed = await call(api, 'POST', `/api/downloads/${job.id}/refresh`, { maxAgeDays: 0 });
    assert.equal(refreshed.status, 200);
    const end2 = Date.now() + 30_000;
    while (events.filter((e) => e.name === 'done').length < 2 && Date.now() < end2) await new Promise((r) => setTimeout(r, 50));
    assert.equal(events.filter((e) => e.name === 'done')[1]?.data.tilesNotModified, area.total(), 'every tile revalidated with a 304');
    assert.equal((await call(api, 'POST', `/api/downloads/${job.id}/refresh`, { maxAgeDays: -1 })).status, 400);
    assert.equal((await call(api, 'POST', '/api/downloads/nope/pause')).status, 404);
    const del = await call(api, 'DELETE', `/api/downloads/${job.id}`);
    assert.deepEqual(del.json, { deleted: job.id });
    assert.deepEqual((await call(api, 'GET', '/api/downloads')).json.jobs, []);
    const sources = await call(api, 'GET', '/api/downloads/sources');
    assert.equal((sources.json.sources as Array<{ name: string; headers?: unknown }>)[0]!.headers, undefined);
  } finally {
    await d.stop();
    await server.stop();
  }
});

test('in simulation mode a synthetic source downloads on loopback and its tiles are served with cache headers', async () => {
  const d = await startInProcess({ downloads: { diskFloorBytes: 0 } });
  try {
    const api = d.url.replace(/\/$/, '');
    const sources = (await call(api, 'GET', '/api/downloads/sources')).json.sources as Array<{ name: string; url: string }>;
    const synthetic = sources.find((s) => s.name === 'synthetic');
    assert.ok(synthetic, 'the synthetic source is offered');
    assert.match(synthetic.url, /^http:\/\/127\.0\.0\.1:\d+\/\{z\}\/\{x\}\/\{y\}\.png$/);
    const created = await call(api, 'POST', '/api/downloads', { source: 'synthetic', area: { type: 'bbox', bbox: [-10, -10, 10, 10] }, minZoom: 0, maxZoom: 3 });
    assert.equal(created.status, 201);
    const id = (created.json.job as DownloadJob).id;
    const end = Date.now() + 30_000;
    while (d.daemon.store.get('downloads')[id]?.state !== 'done' && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    assert.equal(d.daemon.store.get('downloads')[id]?.state, 'done');

    const sets = (await call(api, 'GET', '/api/tilesets')).json.tilesets as Array<{ id: string; url: string; minZoom: number; maxZoom: number; bounds: number[] }>;
    assert.equal(sets.length, 1);
    assert.equal(sets[0]!.url, `/tiles/${id}/{z}/{x}/{y}.png`);
    assert.deepEqual([sets[0]!.minZoom, sets[0]!.maxZoom], [0, 3]);

    const res = await fetch(`${api}/tiles/${id}/3/4/3.png`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'image/png');
    assert.equal(res.headers.get('cache-control'), 'public, max-age=604800');
    const body = Buffer.from(await res.arrayBuffer());
    assert.deepEqual(body, syntheticTile(3, 4, 3, 256));
    const etag = res.headers.get('etag')!;
    const again = await fetch(`${api}/tiles/${id}/3/4/3.png`, { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304);
    assert.equal((await fetch(`${api}/tiles/${id}/3/0/0.png`)).status, 404, 'a tile outside the area');
    assert.equal((await fetch(`${api}/tiles/${id}/3/9/1.png`)).status, 400, 'x beyond the zoom');
    assert.equal((await fetch(`${api}/tiles/nope/0/0/0.png`)).status, 404);
  } finally {
    await d.stop();
  }
});
