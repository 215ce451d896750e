/**
 * What the screens show for states the simulated daemon rarely produces
 * (stale GPS, lost receiver, downloads waiting for network or disk), driven by
 * a scripted server in Debian's Chromium. Needs `make build` (web/dist).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DownloadJob, JobState } from '../daemon/protocol.js';
import { openPhone, waitFor, type PhoneBrowser } from './helpers/browser.js';
import { HELLO, ScriptedDaemon, stateAt } from './helpers/scripted-daemon.js';

const server = new ScriptedDaemon();
let phone: PhoneBrowser;

const text = (sel: string) => async (): Promise<string> => (await phone.page.textContent(sel)) ?? '';

function job(id: string, state: JobState, done: number, reason: string | null = null): DownloadJob {
  return {
    id, name: `job ${state}`, state, reason, tilesDone: done, tilesTotal: 400, tilesMissing: 0, tilesFailed: state === 'failed' ? 3 : 0,
    bytes: done * 20_000, tilesPerS: state === 'running' ? 12.5 : 0, bytesPerS: state === 'running' ? 250_000 : 0,
    etaS: state === 'running' ? 24 : null, updatedAt: Date.now(),
  };
}

const STATES: Array<{ state: JobState; label: string; actions: string[]; reason?: string }> = [
  { state: 'running', label: 'downloading', actions: ['pause', 'cancel'] },
  { state: 'waitingForNetwork', label: 'waiting for network', actions: ['pause', 'cancel'], reason: 'no network: waiting' },
  { state: 'diskLow', label: 'disk low', actions: ['pause', 'cancel'], reason: 'disk low: 300 MB free, below the floor of 512 MB' },
  { state: 'queued', label: 'queued', actions: ['pause', 'cancel'] },
  { state: 'interrupted', label: 'interrupted', actions: ['pause', 'cancel'] },
  { state: 'paused', label: 'paused', actions: ['resume', 'cancel'], reason: 'paused by user' },
  { state: 'failed', label: 'failed', actions: ['resume', 'delete'], reason: 'the source answered 403: blocked' },
  { state: 'done', label: 'done', actions: ['refresh', 'delete'] },
  { state: 'cancelled', label: 'cancelled', actions: ['delete'] },
];

before(async () => {
  await server.start();
  phone = await openPhone();
});

after(async () => {
  await phone?.close();
  await server.stop();
});

async function load(path: string, state: ReturnType<typeof stateAt>): Promise<void> {
  await phone.page.goto('about:blank');
  server.reset();
  await phone.page.goto(server.base + path.slice(1));
  await waitFor(async () => server.sockets.length, (n) => n >= 1, 'a connection');
  server.send(HELLO);
  server.send({ type: 'snapshot', seq: 1, state });
  await waitFor(async () => (await phone.page.getAttribute('#link', 'data-kind')) ?? '', (k) => k === 'live', 'live');
}

test('a stale fix shows the warning, and a receiver that is gone says so', async () => {
  const s = stateAt(48.1, 11.5);
  s.gps.stale = true;
  await load('/', s);
  await phone.page.waitForSelector('#stale', { state: 'visible' });
  await phone.screenshot('dashboard-stale');
  server.send({ type: 'delta', seq: 2, topic: 'gps', value: { source: 'gpsd', connected: false, fix: null, lastFixAt: null, stale: true } });
  await waitFor(text('#fix'), (t) => t === 'GPS not connected', 'no GPS');
  assert.equal(await text('#position')(), 'no fix');
  assert.equal(await text('#speed')(), '–');
  server.send({ type: 'delta', seq: 3, topic: 'gps', value: { ...s.gps, stale: false } });
  await phone.page.waitForSelector('#stale', { state: 'hidden' });
});

test('download jobs in every state show their label, progress, reason and only the buttons that apply', async () => {
  const s = stateAt(48.1, 11.5);
  STATES.forEach((x, i) => (s.downloads[`j${i}`] = job(`j${i}`, x.state, x.state === 'done' ? 400 : 100 + i * 10, x.reason ?? null)));
  await load('/downloads', s);
  await phone.page.waitForSelector('#jobs article');
  for (const [i, x] of STATES.entries()) {
    const row = `#jobs article[data-id="j${i}"]`;
    assert.equal(await text(`${row} .job-state`)(), x.label, `label of ${x.state}`);
    const actions = await phone.page.locator(`${row} button`).evaluateAll((els) => els.map((e) => e.getAttribute('data-action')));
    assert.deepEqual(actions, x.actions, `buttons of ${x.state}`);
    assert.equal(await text(`${row} .job-pct`)(), x.state === 'done' ? '100 %' : `${Math.floor((100 * (100 + i * 10)) / 400)} %`);
    if (x.reason) assert.equal(await text(`${row} .job-reason`)(), x.reason);
    else assert.equal(await phone.page.isHidden(`${row} .job-reason`), true);
  }
  assert.match(await text('#jobs article[data-id="j0"] .job-rate')(), /^12\.5 tiles\/s · 244 KB\/s · ETA 24 s$/);
  await phone.screenshot('downloads-states', true);
  // A deleted job (null delta) disappears.
  server.send({ type: 'delta', seq: 2, topic: 'downloads', key: 'j8', value: null });
  await phone.page.waitForSelector('#jobs article[data-id="j8"]', { state: 'detached' });
  // Without the downloads API the buttons say so instead of failing silently.
  await phone.page.click('#jobs article[data-id="j0"] button[data-action="pause"]');
  await waitFor(text('#jobs-error'), (t) => t === 'This daemon has no download control API.', 'the missing-API message');
});

test('a refresh pass is labelled and counted on the card; the chosen age is sent and an API error is shown', async () => {
  const s = stateAt(48.1, 11.5);
  s.downloads.fresh = job('fresh', 'done', 400);
  s.downloads.pass = { ...job('pass', 'running', 120), tilesStored: 120, tilesNotModified: 117 };
  s.downloads.after = { ...job('after', 'done', 400), tilesStored: 400, tilesNotModified: 400, bytes: 0, fileBytes: 5_000_000 };
  s.downloads.pass.fileBytes = 4_000_000;
  await load('/downloads', s);
  await phone.page.waitForSelector('#jobs article[data-id="after"]');
  assert.equal(await phone.page.isHidden('#jobs article[data-id="fresh"] .job-refresh'), true, 'no refresh summary before any refresh pass');
  assert.equal(await text('#jobs article[data-id="pass"] .job-state')(), 'refreshing');
  assert.equal(await text('#jobs article[data-id="pass"] .job-refresh')(), 'refresh: 117 up to date · 3 updated');
  assert.equal(await phone.page.locator('#jobs article[data-id="pass"] .refresh-age').count(), 0, 'no refresh control on a running job');
  assert.equal(await text('#jobs article[data-id="after"] .job-state')(), 'done');
  assert.equal(await text('#jobs article[data-id="after"] .job-refresh')(), 'refresh: 400 up to date');
  // After a refresh of unchanged tiles nothing was downloaded, but the card still tells what the map takes.
  assert.equal(await text('#jobs article[data-id="after"] .job-tiles')(), '400 / 400 tiles · 0 B · 4.8 MB on disk');
  assert.doesNotMatch(await text('#jobs article[data-id="pass"] .job-tiles')(), /on disk/, 'a running job\'s size is stale: not shown');

  const row = '#jobs article[data-id="fresh"]';
  const ages = await phone.page.locator(`${row} select.refresh-age option`).evaluateAll((els) => els.map((e) => [e.getAttribute('value'), e.textContent]));
  assert.deepEqual(ages, [['1', 'older than 1 day'], ['7', 'older than 7 days'], ['30', 'older than 30 days'], ['0', 'all tiles']]);
  assert.equal(await phone.page.inputValue(`${row} select.refresh-age`), '7', 'the daemon\'s default age is preselected');
  // The scripted server has no API: answer this one route as a daemon that refuses would.
  const bodies: unknown[] = [];
  await phone.page.route('**/api/downloads/fresh/refresh', (route) => {
    bodies.push(route.request().postDataJSON());
    return route.fulfill({ status: 409, contentType: 'application/json', body: JSON.stringify({ error: { code: 'CONFLICT', message: 'job fresh is running; only done or failed jobs can be refreshed' } }) });
  });
  await phone.page.selectOption(`${row} select.refresh-age`, '30');
  await phone.page.click(`${row} button[data-action="refresh"]`);
  await waitFor(text('#jobs-error'), (t) => t !== '', 'an error message');
  assert.equal(await text('#jobs-error')(), 'refresh failed: job fresh is running; only done or failed jobs can be refreshed');
  assert.deepEqual(bodies, [{ maxAgeDays: 30 }]);
  await phone.page.unroute('**/api/downloads/fresh/refresh');
  await phone.screenshot('downloads-refresh-states', true);
});
