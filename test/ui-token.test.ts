/**
 * A daemon configured with an access token, in Debian's Chromium: a phone
 * without the token is asked for it instead of showing an endless
 * "reconnecting"; once entered it is kept, the channel goes live and the API
 * and GPX links carry it. Needs `make build` first.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir, type Spawned } from './helpers/daemon.js';
import { startSimDaemon, stopSimDaemon } from './helpers/ui-daemon.js';
import { freePort } from './helpers/wait.js';
import { openPhone, waitFor, type PhoneBrowser } from './helpers/browser.js';

const TOKEN = 'car-hotspot-secret';
let dataDir = '';
let daemon: Spawned;
let base = '';
let phone: PhoneBrowser;

before(async () => {
  dataDir = await tempDir('dashcamd-ui-token-');
  const config = join(dataDir, 'config.json');
  await writeFile(config, JSON.stringify({ server: { token: TOKEN } }));
  daemon = await startSimDaemon(dataDir, await freePort(), ['--config', config]);
  base = await daemon.url;
  phone = await openPhone();
});

after(async () => {
  await phone?.close();
  if (daemon) await stopSimDaemon(daemon);
  await rm(dataDir, { recursive: true, force: true });
});

test('without the token the page asks for it; with it the page goes live and its links carry it', async () => {
  assert.equal((await fetch(`${base}api/health`)).status, 401, 'the daemon really requires the token');
  await phone.page.goto(base);
  await phone.page.waitForSelector('#access', { timeout: 10_000 });
  assert.notEqual(await phone.page.getAttribute('#link', 'data-kind'), 'live');
  await phone.screenshot('token-needed');
  await phone.page.fill('#access input[name="token"]', TOKEN);
  await Promise.all([phone.page.waitForEvent('load'), phone.page.click('#access button[type="submit"]')]);
  await phone.page.waitForSelector('#link[data-kind="live"]', { timeout: 15_000 });
  assert.equal(await phone.page.isVisible('#access'), false);
  await waitFor(async () => (await phone.page.textContent('#position')) ?? '', (t) => /^\d+\.\d{5}, \d+\.\d{5}$/.test(t), 'a live position');
  // The API (Bearer header) and a plain link (the GPX download, ?token=) both get through.
  // The list loads once per visit: wait until the simulated drive has a trip.
  const auth = { headers: { authorization: `Bearer ${TOKEN}` } };
  await waitFor(async () => ((await (await fetch(`${base}api/trips`, auth)).json()) as { trips: unknown[] }).trips.length, (n) => n > 0, 'a recorded trip');
  await phone.page.click('nav a[href="/trips"]');
  await phone.page.waitForSelector('#trips-list li a[href*="/gpx"]', { timeout: 10_000 });
  const href = (await phone.page.getAttribute('#trips-list li a[href*="/gpx"]', 'href')) ?? '';
  assert.match(href, new RegExp(`[?&]token=${TOKEN}$`));
  assert.equal((await fetch(new URL(href, base))).status, 200);
});

test('a wrong stored token is reported as not accepted', async () => {
  await phone.page.evaluate("localStorage.setItem('dashcamd.token', 'wrong-token-123')");
  await phone.page.goto(base);
  await phone.page.waitForSelector('#access', { timeout: 10_000 });
  assert.match((await phone.page.textContent('#access')) ?? '', /stored token was not accepted/);
});
