/**
 * Map downloads from the phone, in Debian's Chromium against the built daemon
 * (simulation mode) and the local test tile server, all on 127.0.0.1: the
 * form estimates and starts a job whose progress runs to 100 %; the finished
 * job is refreshed from its card with the age chosen there; a big job
 * needs confirmation; after SIGKILL and a restart on the same port the page
 * shows the job's true progress again; pause, resume, cancel and delete work
 * from the buttons. Needs `make build` first.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DownloadJob } from '../daemon/protocol.js';
import { tempDir, type Spawned } from './helpers/daemon.js';
import { startSimDaemon, stopSimDaemon } from './helpers/ui-daemon.js';
import { freePort } from './helpers/wait.js';
import { openPhone, waitFor, type PhoneBrowser } from './helpers/browser.js';
import { TileServer } from './helpers/tile-server.js';

let dataDir = '';
let configFile = '';
let daemon: Spawned;
let port = 0;
let base = '';
let phone: PhoneBrowser;
const tiles = new TileServer({ latencyMs: 5 });

/** Small areas near the simulated drive (Munich); tile counts come from the daemon's estimate. */
const SMALL = { west: 11.5, south: 48.1, east: 11.65, north: 48.17, minZoom: 10, maxZoom: 14 };
const BIG = { west: 11.4, south: 48.0, east: 11.8, north: 48.3, minZoom: 10, maxZoom: 15 };
const TILE_CAP = 300;

const start = (): Promise<Spawned> => startSimDaemon(dataDir, port, ['--config', configFile]);

async function api<T>(method: string, path: string, body?: unknown): Promise<{ status: number; json: T }> {
  const res = await fetch(base + path.slice(1), {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as T };
}

const job = async (id: string): Promise<DownloadJob> => (await api<{ job: DownloadJob }>('GET', `/api/downloads/${id}`)).json.job;
const row = (id: string): string => `#jobs article[data-id="${id}"]`;
const rowState = (id: string) => async (): Promise<string> => (await phone.page.getAttribute(row(id), 'data-state')) ?? '';
const rowPercent = (id: string) => async (): Promise<number> => Number.parseInt((await phone.page.textContent(`${row(id)} .job-pct`)) ?? '-1', 10);
const rowText = (id: string, sel: string) => async (): Promise<string> => (await phone.page.textContent(`${row(id)} ${sel}`)) ?? '';
const rowActions = (id: string): Promise<Array<string | null>> => phone.page.locator(`${row(id)} button`).evaluateAll((els) => els.map((e) => e.getAttribute('data-action')));

/** Fills the form for a map area and asks for the estimate. */
async function fillAndEstimate(area: typeof SMALL, name: string): Promise<void> {
  await phone.page.goto(`${base}downloads`);
  await phone.page.waitForSelector('select[name="source"]'); // the sources list arrived
  await phone.page.selectOption('select[name="source"]', 'local');
  await phone.page.fill('input[name="name"]', name);
  await phone.page.click('[data-kind="bbox"]');
  for (const k of ['west', 'south', 'east', 'north'] as const) await phone.page.fill(`input[name="${k}"]`, String(area[k]));
  await phone.page.fill('input[name="minZoom"]', String(area.minZoom));
  await phone.page.fill('input[name="maxZoom"]', String(area.maxZoom));
  await phone.page.click('#estimate');
  await phone.page.waitForSelector('#estimate-result:not([hidden])', { timeout: 10_000 });
}

/** The id of the job row that appears after `action`. */
async function newJobAfter(action: () => Promise<void>): Promise<string> {
  const before = new Set(await phone.page.locator('#jobs article').evaluateAll((els) => els.map((e) => e.getAttribute('data-id'))));
  await action();
  return waitFor(
    async () => (await phone.page.locator('#jobs article').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')))).find((id) => !before.has(id)) ?? '',
    (id) => id !== '',
    'a new job row',
  );
}

before(async () => {
  dataDir = await tempDir('dashcamd-ui-dl-');
  await tiles.start();
  port = await freePort();
  configFile = join(dataDir, 'config.json');
  const source = { name: 'local', url: tiles.template, maxConnections: 2, maxRequestsPerSecond: 20 };
  await writeFile(configFile, JSON.stringify({ downloads: { sources: [source], tileCap: TILE_CAP, diskFloorBytes: 0 } }));
  daemon = await start();
  base = await daemon.url;
  phone = await openPhone();
});

after(async () => {
  await phone?.close();
  if (daemon) await stopSimDaemon(daemon);
  await tiles.stop();
  await rm(dataDir, { recursive: true, force: true });
});

test('a download started from the form shows its estimate and then progress up to 100 %', async () => {
  await fillAndEstimate(SMALL, 'small area');
  const estimate = (await phone.page.textContent('#estimate-result')) ?? '';
  assert.match(estimate, /\d+ tiles/);
  assert.equal(await phone.page.isHidden('.confirm'), true, 'a small job needs no confirmation');
  await phone.screenshot('downloads-estimate');
  const id = await newJobAfter(() => phone.page.click('#start'));
  const seen = new Set<number>();
  await waitFor(async () => {
    const p = await rowPercent(id)();
    seen.add(p);
    return p;
  }, (p) => p === 100, 'the job at 100 %', 60_000).catch(async (err: Error) => {
    throw new Error(`${err.message}; daemon has ${JSON.stringify(await job(id))}`);
  });
  await waitFor(rowState(id), (s) => s === 'done', 'the job done');
  const done = await job(id);
  assert.equal(done.tilesDone, done.tilesTotal);
  assert.equal((await phone.page.textContent(`${row(id)} .job-tiles`))?.startsWith(`${done.tilesDone.toLocaleString('en-US')} / ${done.tilesTotal.toLocaleString('en-US')} tiles`), true);
  assert.ok([...seen].some((p) => p < 100), `progress was seen before the end (saw ${[...seen].join(', ')})`);
  await phone.page.locator(row(id)).scrollIntoViewIfNeeded();
  await phone.screenshot('downloads-done');
});

test('the map shows the downloaded tiles from the daemon around the car', async () => {
  const { tilesets } = (await api<{ tilesets: Array<{ id: string; name: string }> }>('GET', '/api/tilesets')).json;
  const small = tilesets.find((t) => t.name === 'small area');
  assert.ok(small, `a tileset for the finished job (got ${JSON.stringify(tilesets)})`);
  await phone.page.goto(`${base}map`);
  const loadedTiles = `[...document.querySelectorAll("#map img.leaflet-tile-loaded")].filter((i) => i.src.includes("/tiles/${small.id}/") && i.naturalWidth > 0).length`;
  await waitFor(() => phone.page.evaluate<number>(loadedTiles), (n) => n > 0, 'tiles of the small area drawn', 15_000);
  assert.equal(await phone.page.isHidden('#map-note'), true, 'no "no maps" note once a tileset exists');
  await phone.screenshot('map-tiles');
});

test('a finished job is refreshed from its card: the chosen age reaches the daemon and the source answers 304s', async () => {
  const { jobs } = (await api<{ jobs: DownloadJob[] }>('GET', '/api/downloads')).json;
  const small = jobs.find((j) => j.name === 'small area' && j.state === 'done');
  assert.ok(small, `the first test left a done job (got ${JSON.stringify(jobs.map((j) => [j.name, j.state]))})`);
  const { id, tilesTotal } = small;
  const allUpToDate = `refresh: ${tilesTotal.toLocaleString('en-US')} up to date`;
  const errors = phone.errors.length;
  await phone.page.goto(`${base}downloads`);
  await phone.page.waitForSelector(row(id));
  assert.deepEqual(await rowActions(id), ['refresh', 'delete']);
  assert.equal(await phone.page.isHidden(`${row(id)} .job-refresh`), true, 'no refresh pass yet');
  assert.equal(await phone.page.inputValue(`${row(id)} select.refresh-age`), '7');

  // The default age, 7 days: every tile was fetched minutes ago, so the pass asks the source for none.
  const requests = tiles.requests.length;
  await phone.page.click(`${row(id)} button[data-action="refresh"]`);
  await waitFor(rowText(id, '.job-refresh'), (t) => t === allUpToDate, 'the 7-day pass counting every tile up to date');
  await waitFor(rowState(id), (s) => s === 'done', 'done after the 7-day pass');
  assert.equal(tiles.requests.length, requests, 'no tile younger than 7 days was requested');

  // All tiles (0 days): each is revalidated with its ETag and the source answers 304.
  const notModified = tiles.notModified;
  await phone.page.selectOption(`${row(id)} select.refresh-age`, '0');
  await phone.page.click(`${row(id)} button[data-action="refresh"]`);
  await waitFor(rowText(id, '.job-state'), (t) => t === 'refreshing', 'the refresh pass running');
  assert.deepEqual(await rowActions(id), ['pause', 'cancel'], 'a running job offers no refresh');
  assert.equal(await phone.page.locator(`${row(id)} select.refresh-age`).count(), 0);
  await phone.page.locator(row(id)).scrollIntoViewIfNeeded();
  await phone.screenshot('downloads-refreshing');
  await waitFor(rowState(id), (s) => s === 'done', 'done after the refresh pass', 60_000);
  assert.equal(tiles.notModified - notModified, tilesTotal, 'one 304 per tile');
  const refreshed = await job(id);
  assert.equal(refreshed.tilesDone, tilesTotal);
  assert.equal(refreshed.tilesNotModified, tilesTotal);
  await waitFor(rowText(id, '.job-refresh'), (t) => t === allUpToDate, 'the card counting every tile confirmed');
  assert.deepEqual(await rowActions(id), ['refresh', 'delete']);
  assert.equal(await phone.page.isHidden('#jobs-error'), true, 'no action error shown');
  assert.deepEqual(phone.errors.slice(errors), [], 'no console errors');
  await phone.screenshot('downloads-refreshed');
});

test('an area around the GPS position and an uploaded GPX route are estimated like the daemon does', async () => {
  await phone.page.goto(`${base}downloads`);
  await phone.page.waitForSelector('select[name="source"]');
  await phone.page.selectOption('select[name="source"]', 'local');
  await phone.page.fill('input[name="minZoom"]', '10');
  await phone.page.fill('input[name="maxZoom"]', '13');
  // Around me (the default tab): the daemon centres on its own GPS fix.
  await phone.page.fill('input[name="radiusKm"]', '3');
  await phone.page.click('#estimate');
  await phone.page.waitForSelector('#estimate-result:not([hidden])', { timeout: 10_000 });
  const radius = (await api<{ tiles: number }>('POST', '/api/downloads/estimate', { source: 'local', area: { type: 'radius', center: 'gps', radiusKm: 3 }, minZoom: 10, maxZoom: 13 })).json;
  assert.match((await phone.page.textContent('#estimate-result')) ?? '', new RegExp(`^${radius.tiles.toLocaleString('en-US')} tiles`));
  // A route file: a short GPX track through the simulated town, as a 1 km corridor.
  const gpx = `<?xml version="1.0"?><gpx version="1.1" creator="test"><trk><trkseg>
    <trkpt lat="48.137" lon="11.575"/><trkpt lat="48.15" lon="11.6"/><trkpt lat="48.17" lon="11.62"/></trkseg></trk></gpx>`;
  await phone.page.click('[data-kind="route"]');
  await phone.page.setInputFiles('input[name="route"]', { name: 'drive.gpx', mimeType: 'application/gpx+xml', buffer: Buffer.from(gpx) });
  await phone.page.fill('input[name="widthKm"]', '1');
  await phone.page.click('#estimate');
  await phone.page.waitForSelector('#estimate-result:not([hidden])', { timeout: 10_000 });
  const corridor = (await api<{ tiles: number }>('POST', '/api/downloads/estimate', { source: 'local', area: { type: 'corridor', widthKm: 1, route: { format: 'gpx', data: gpx } }, minZoom: 10, maxZoom: 13 })).json;
  assert.match((await phone.page.textContent('#estimate-result')) ?? '', new RegExp(`^${corridor.tiles.toLocaleString('en-US')} tiles`));
  await phone.screenshot('downloads-route-estimate');
});

test('a big job needs confirmation; after SIGKILL and a restart the page shows its true progress again', async () => {
  await fillAndEstimate(BIG, 'big area');
  assert.equal(await phone.page.isVisible('.confirm'), true);
  assert.equal(await phone.page.isDisabled('#start'), true, 'start waits for the confirmation');
  await phone.page.check('#confirm-big');
  const id = await newJobAfter(() => phone.page.click('#start'));
  await waitFor(rowPercent(id), (p) => p >= 5, 'some progress', 60_000);
  assert.deepEqual(await rowActions(id), ['pause', 'cancel'], 'a running download offers no refresh');
  assert.equal(await phone.page.locator(`${row(id)} select.refresh-age`).count(), 0);
  await phone.page.locator(row(id)).scrollIntoViewIfNeeded();
  await phone.screenshot('downloads-running');

  daemon.proc.kill('SIGKILL');
  await daemon.exit;
  await phone.page.waitForSelector('#link[data-kind="reconnecting"]', { timeout: 10_000 });
  const beforeKill = await rowPercent(id)();
  daemon = await start();
  await phone.page.waitForSelector('#link[data-kind="live"]', { timeout: 30_000 });
  // The job is resumed from its file, not restarted: progress never falls back to zero.
  await waitFor(rowState(id), (s) => s === 'running' || s === 'interrupted' || s === 'queued', 'the job back after restart', 15_000);
  assert.ok((await rowPercent(id)()) > 0, 'progress survived the kill');
  // Paused, the numbers stand still: the page must show exactly what the daemon has.
  await phone.page.click(`${row(id)} button[data-action="pause"]`);
  await waitFor(rowState(id), (s) => s === 'paused', 'paused').catch(async (err: Error) => {
    throw new Error(`${err.message}; page says ${await phone.page.textContent('#jobs-error')}; daemon has ${JSON.stringify(await job(id))}`);
  });
  const truth = await job(id);
  assert.equal(truth.state, 'paused');
  await waitFor(
    async () => (await phone.page.textContent(`${row(id)} .job-tiles`)) ?? '',
    (t) => t.startsWith(`${truth.tilesDone.toLocaleString('en-US')} / ${truth.tilesTotal.toLocaleString('en-US')} tiles`),
    `the daemon's ${truth.tilesDone}/${truth.tilesTotal}`,
  );
  assert.ok(Math.floor((100 * truth.tilesDone) / truth.tilesTotal) >= beforeKill - 1, `progress ${truth.tilesDone}/${truth.tilesTotal} kept from ${beforeKill} %`);
  await phone.page.locator(row(id)).scrollIntoViewIfNeeded();
  await phone.screenshot('downloads-paused');
});

test('resume, cancel and delete work from the buttons; cancel and delete ask for a second tap', async () => {
  const jobs = (await api<{ jobs: DownloadJob[] }>('GET', '/api/downloads')).json.jobs;
  const paused = jobs.find((j) => j.state === 'paused');
  assert.ok(paused, 'the previous test left a paused job');
  const id = paused.id;
  await phone.page.goto(`${base}downloads`);
  await phone.page.click(`${row(id)} button[data-action="resume"]`);
  await waitFor(rowState(id), (s) => s === 'running' || s === 'queued', 'running again');
  await phone.page.click(`${row(id)} button[data-action="cancel"]`);
  assert.equal(await phone.page.textContent(`${row(id)} button[data-action="cancel"]`), 'Really cancel?');
  assert.notEqual((await job(id)).state, 'cancelled', 'one tap does not cancel');
  await phone.page.click(`${row(id)} button[data-action="cancel"]`);
  await waitFor(rowState(id), (s) => s === 'cancelled', 'cancelled');
  assert.equal((await job(id)).state, 'cancelled');
  await phone.screenshot('downloads-cancelled');
  await phone.page.click(`${row(id)} button[data-action="delete"]`);
  await phone.page.click(`${row(id)} button[data-action="delete"]`);
  await phone.page.waitForSelector(row(id), { state: 'detached', timeout: 10_000 });
  assert.equal((await api('GET', `/api/downloads/${id}`)).status, 404);
});
