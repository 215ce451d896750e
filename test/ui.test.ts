/**
 * The phone UI in Debian's Chromium against the real daemon (dist/, simulation
 * mode, 127.0.0.1): it loads clean, shows live values, every screen renders,
 * it survives the daemon being killed and restarted, and it notices a frozen
 * daemon. Screenshots of every screen go to test-output/ for review.
 * Needs `make build` first (the daemon from dist/, the UI from web/dist).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { tempDir, type Spawned } from './helpers/daemon.js';
import { startSimDaemon, stopSimDaemon } from './helpers/ui-daemon.js';
import { freePort } from './helpers/wait.js';
import { openPhone, waitFor, type PhoneBrowser } from './helpers/browser.js';

let dataDir = '';
let daemon: Spawned;
let port = 0;
let base = '';
let phone: PhoneBrowser;

const POSITION = /^-?\d+\.\d{5}, -?\d+\.\d{5}$/;

const startDaemon = (p: number): Promise<Spawned> => startSimDaemon(dataDir, p);

/** Status of an API route as the daemon answers it, and whether the route exists at all. */
async function route(path: string): Promise<{ status: number; exists: boolean }> {
  const res = await fetch(base + path.slice(1));
  const body = (await res.json().catch(() => ({}))) as { error?: { message?: string } };
  return { status: res.status, exists: !(res.status === 404 && (body.error?.message ?? '').startsWith('no route')) };
}

const text = (selector: string) => async (): Promise<string> => (await phone.page.textContent(selector)) ?? '';

function waitForPositionChange(from: string, timeout = 15_000): Promise<string> {
  return waitFor(text('#position'), (t) => t !== from && POSITION.test(t), `a position other than ${from}`, timeout);
}

/** Waits until a status line has finished loading. */
async function loaded(selector: string): Promise<void> {
  await phone.page.waitForSelector(selector);
  await waitFor(text(selector), (t) => t !== 'loading…', `${selector} loaded`);
}

async function open(path: string, ready: string): Promise<void> {
  await phone.page.click(`nav a[href="${path}"]`);
  await phone.page.waitForSelector(ready, { timeout: 15_000 });
}

before(async () => {
  dataDir = await tempDir('dashcamd-ui-');
  daemon = await startDaemon(await freePort());
  base = await daemon.url;
  port = Number(new URL(base).port);
  phone = await openPhone();
});

after(async () => {
  await phone?.close();
  if (daemon) await stopSimDaemon(daemon);
  await rm(dataDir, { recursive: true, force: true });
});

test('the dashboard loads without console errors and its GPS values change live', async () => {
  await phone.page.goto(base);
  await phone.page.waitForSelector('#link[data-kind="live"]', { timeout: 15_000 });
  const first = await waitFor(text('#position'), (t) => POSITION.test(t), 'a position');
  const second = await waitForPositionChange(first);
  assert.notEqual(second, first);
  assert.match((await phone.page.textContent('#fix')) ?? '', /^(2D|3D) · \d+\/\d+ sats/);
  assert.match((await phone.page.textContent('#disk')) ?? '', /\d (KB|MB|GB|TB)/);
  assert.equal(await phone.page.getAttribute('#link', 'data-kind'), 'live');
  await phone.screenshot('dashboard');
  await phone.page.emulateMedia({ colorScheme: 'light' });
  await phone.screenshot('dashboard-light');
  await phone.page.emulateMedia({ colorScheme: 'dark' });
  assert.deepEqual(phone.errors, []);
});

test('every screen renders, the map shows the car marker, and no request leaves the daemon', async () => {
  await open('/map', '#map .leaflet-marker-icon');
  // The marker image is bundled: it must really have loaded.
  const markerWidth = 'document.querySelector("#map img.leaflet-marker-icon")?.naturalWidth ?? 0';
  await waitFor(() => phone.page.evaluate<number>(markerWidth), (w) => w > 0, 'the marker image to load');
  // Leaflet's own stylesheet (loaded with the map) is applied: its panes are positioned.
  const paneStyle = 'getComputedStyle(document.querySelector("#map .leaflet-pane")).position';
  await waitFor(() => phone.page.evaluate<string>(paneStyle), (p) => p === 'absolute', "Leaflet's stylesheet applied");
  assert.ok((await route('/api/tilesets')).exists, 'the daemon serves /api/tilesets');
  await phone.screenshot('map');

  await open('/downloads', '#new-download');
  await phone.screenshot('downloads');

  await open('/trips', '#trips-status');
  await loaded('#trips-status');
  await phone.screenshot('trips');

  await open('/events', '#events-status');
  await loaded('#events-status');
  await phone.screenshot('events');

  // A screen's own URL works after a reload (the daemon's SPA fallback).
  await phone.page.goto(`${base}map`);
  await phone.page.waitForSelector('#map .leaflet-marker-icon', { timeout: 15_000 });
  assert.equal(await phone.page.getAttribute('nav a[aria-current]', 'href'), '/map');

  const outside = phone.requests.filter((u) => new URL(u).host !== `127.0.0.1:${port}` && !u.startsWith('data:'));
  assert.deepEqual(outside, []);
  // The only console errors allowed are Chromium's notes on 404s from API routes this daemon does not have.
  for (const e of phone.errors) {
    assert.match(e.text, /status of 404/, `unexpected console error: ${e.text}`);
    const path = new URL(e.url).pathname;
    assert.equal((await route(path)).exists, false, `console error for an existing route: ${e.url}`);
  }
});

test('the events screen marks a moment and shows marks made elsewhere', async () => {
  await phone.page.goto(`${base}events`);
  await loaded('#events-status');
  assert.ok((await route('/api/events')).exists, 'the daemon serves /api/events');
  const before = await phone.page.locator('#events-list li').count();
  await phone.page.click('#mark');
  await waitFor(() => phone.page.locator('#events-list li').count(), (n) => n === before + 1, 'one more mark');
  // A mark from another client (the camera button uses the same path) arrives over the channel.
  const res = await fetch(`${base}api/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  assert.equal(res.status, 201);
  const { event } = (await res.json()) as { event: { id: number } };
  await phone.page.waitForSelector(`#events-list li[data-id="${event.id}"]`, { timeout: 10_000 });
  await phone.screenshot('events-marked');
  // A mark with a position opens the map on that spot.
  await phone.page.click(`#events-list li[data-id="${event.id}"] button[data-action="map"]`);
  await phone.page.waitForSelector('#map path.mark-spot', { timeout: 10_000 });
  assert.match(new URL(phone.page.url()).search, /^\?at=-?\d+\.\d+,-?\d+\.\d+$/);
});

test('the trips screen lists the recorded trips with a working GPX link', async () => {
  // The simulated drive starts a trip with its first fixes; wait for it rather than pass on an empty list.
  const api = await waitFor(
    async () => (await (await fetch(`${base}api/trips`)).json()) as { trips: Array<{ id: number }> },
    (t) => t.trips.length > 0,
    'a recorded trip',
  );
  await phone.page.goto(`${base}trips`);
  await loaded('#trips-status');
  assert.equal(await phone.page.locator('#trips-list li').count(), api.trips.length);
  const href = await phone.page.getAttribute(`#trips-list li[data-id="${api.trips[0]!.id}"] a`, 'href');
  const gpx = await phone.page.evaluate(async (u) => {
    const r = await fetch(u!);
    return { status: r.status, text: await r.text() };
  }, href);
  assert.equal(gpx.status, 200);
  assert.match(gpx.text, /<gpx[\s>]/);
  // The trip on the map: its line is drawn in the trip colour.
  await phone.page.click(`#trips-list li[data-id="${api.trips[0]!.id}"] button[data-action="map"]`);
  await phone.page.waitForSelector('#map path.trip-line', { timeout: 10_000 });
  assert.equal(new URL(phone.page.url()).search, `?trip=${api.trips[0]!.id}`);
  await phone.screenshot('map-trip');
});

test('an area drawn on the map fills the new-download form, which checks its input and shows the estimate', async () => {
  await phone.page.goto(`${base}downloads`);
  // Simulation mode offers its own loopback tile source.
  await phone.page.waitForSelector('select[name="source"] option[value="synthetic"]', { state: 'attached' });
  await phone.page.fill('input[name="minZoom"]', '12');
  await phone.page.fill('input[name="maxZoom"]', '11');
  await phone.page.click('#estimate');
  assert.equal(await phone.page.textContent('#form-message'), 'Zoom: whole numbers with 0 ≤ min ≤ max ≤ 20.');
  await phone.page.fill('input[name="maxZoom"]', '14');
  await phone.page.click('[data-kind="bbox"]');
  await phone.page.click('#draw-bbox');
  await phone.page.waitForSelector('#use-area');
  await phone.screenshot('map-pick-area');
  await phone.page.click('#use-area');
  await phone.page.waitForSelector('#new-download');
  assert.equal(new URL(phone.page.url()).pathname, '/downloads');
  assert.equal(await phone.page.getAttribute('[data-kind="bbox"]', 'aria-selected'), 'true');
  const [w, s, e, n] = await Promise.all(['west', 'south', 'east', 'north'].map((k) => phone.page.inputValue(`input[name="${k}"]`).then(Number)));
  assert.ok(w! < e! && s! < n!, `bbox ${w},${s},${e},${n}`);
  // The form's zooms were reset by leaving the screen: set them again and estimate.
  await phone.page.fill('input[name="minZoom"]', '12');
  await phone.page.fill('input[name="maxZoom"]', '14');
  await phone.page.click('#estimate');
  await phone.page.waitForSelector('#estimate-result:not([hidden])', { timeout: 10_000 });
  const res = await fetch(`${base}api/downloads/estimate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ source: 'synthetic', area: { type: 'bbox', bbox: [w, s, e, n] }, minZoom: 12, maxZoom: 14 }),
  });
  const { tiles } = (await res.json()) as { tiles: number };
  assert.match((await phone.page.textContent('#estimate-result')) ?? '', new RegExp(`^${tiles.toLocaleString('en-US')} tiles`));
  await phone.screenshot('downloads-form');
});

test('after SIGKILL the page shows reconnecting, and live values return when the daemon restarts on the same port', async () => {
  await phone.page.goto(base);
  await phone.page.waitForSelector('#link[data-kind="live"]');
  daemon.proc.kill('SIGKILL');
  await daemon.exit;
  await phone.page.waitForSelector('#link[data-kind="reconnecting"]', { timeout: 10_000 });
  assert.match((await phone.page.textContent('#link')) ?? '', /^reconnecting/);
  await phone.screenshot('reconnecting');
  const stale = (await phone.page.textContent('#position')) ?? '';
  daemon = await startDaemon(port);
  await phone.page.waitForSelector('#link[data-kind="live"]', { timeout: 30_000 });
  await waitForPositionChange(stale);
});

test('a daemon frozen with SIGSTOP is noticed within 25 s, and the page is live again after SIGCONT', async () => {
  await phone.page.goto(base);
  await phone.page.waitForSelector('#link[data-kind="live"]');
  const frozenAt = Date.now();
  daemon.proc.kill('SIGSTOP');
  try {
    // 15 s ping interval + 10 s pong timeout is the worst case the connection module allows
    // (a silent stream is pinged after 5 s, so with live GPS it is about 15 s).
    await phone.page.waitForSelector('#link:not([data-kind="live"])', { timeout: 25_000 });
    console.log(`# frozen daemon noticed after ${((Date.now() - frozenAt) / 1000).toFixed(1)} s`);
  } finally {
    daemon.proc.kill('SIGCONT');
  }
  await phone.page.waitForSelector('#link[data-kind="live"]', { timeout: 30_000 });
});
