/**
 * The phone's connection module in Debian's Chromium against a scripted
 * server on 127.0.0.1 (the built web/dist plus a `ws` endpoint that sends
 * exactly what a test tells it): resync on a seq gap, `prev` after
 * coalescing, text heartbeats both ways, the offline indicator and the
 * immediate reconnect on `online` and `pageshow`. Needs `make build` (web/dist).
 */
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerMessage } from '../daemon/protocol.js';
import { openPhone, waitFor, type PhoneBrowser } from './helpers/browser.js';
import { HELLO, ScriptedDaemon, stateAt } from './helpers/scripted-daemon.js';

const server = new ScriptedDaemon();
let phone: PhoneBrowser;
const current = () => server.current();
const send = (msg: ServerMessage | string): void => server.send(msg);

const gpsDelta = (seq: number, lat: number, lon: number, prev?: number): ServerMessage => ({
  type: 'delta', seq, topic: 'gps', value: stateAt(lat, lon).gps, ...(prev === undefined ? {} : { prev }),
});

const position = async (): Promise<string> => (await phone.page.textContent('#position')) ?? '';
const linkKind = async (): Promise<string> => (await phone.page.getAttribute('#link', 'data-kind')) ?? '';

/** Waits for a new socket from the page and greets it with hello and a snapshot at seq 10. */
async function acceptWithSnapshot(count: number): Promise<void> {
  await waitFor(async () => server.sockets.length, (n) => n >= count, `connection #${count}`);
  send(HELLO);
  send({ type: 'snapshot', seq: 10, state: stateAt(1, 2) });
  await waitFor(position, (p) => p === '1.00000, 2.00000', 'the snapshot position').catch((err: Error) => {
    throw new Error(`${err.message}; page errors ${JSON.stringify(phone.errors)}; sockets ${server.sockets.length}`);
  });
}

before(async () => {
  await server.start();
  phone = await openPhone();
});

after(async () => {
  await phone?.close();
  await server.stop();
});

beforeEach(async () => {
  // Leave the page first, so the previous page cannot open another socket meanwhile.
  await phone.page.goto('about:blank');
  server.reset();
  await phone.page.goto(server.base);
  await acceptWithSnapshot(1);
});

test('deltas in seq order are applied; a gap makes the page ask for a resync from its last seq', async () => {
  send(gpsDelta(11, 3, 4));
  await waitFor(position, (p) => p === '3.00000, 4.00000', 'delta 11 applied');
  send(gpsDelta(13, 5, 6)); // 12 is missing
  send(gpsDelta(14, 5, 7)); // still before the answer: no second request
  await waitFor(async () => current().received, (r) => r.includes('{"type":"resync","lastSeq":11}'), 'a resync from 11');
  assert.equal(await position(), '3.00000, 4.00000', 'the delta after the gap is not applied');
  // The server answers with what was missing; the page continues from there, and ignores a replayed duplicate.
  send(gpsDelta(12, 7, 8));
  send(gpsDelta(13, 5, 6));
  send(gpsDelta(14, 5, 7));
  send(gpsDelta(13, 1, 1));
  send(gpsDelta(15, 6, 6));
  await waitFor(position, (p) => p === '6.00000, 6.00000', 'caught up');
  assert.equal(await phone.page.evaluate('window.dashcamd.seq'), 15);
  assert.equal(current().received.filter((t) => t.includes('resync')).length, 1);
});

test('a delta whose prev skips coalesced messages is applied without a resync', async () => {
  send(gpsDelta(15, 9, 9, 10));
  await waitFor(position, (p) => p === '9.00000, 9.00000', 'the coalesced delta applied');
  assert.equal(current().received.some((t) => t.includes('resync')), false);
});

test('the page answers a text ping and pings a silent server itself', async () => {
  send('ping');
  await waitFor(async () => current().received, (r) => r.includes('pong'), 'a pong');
  // Nothing more from the server: within the idle ping time (5 s) the page asks.
  await waitFor(async () => current().received, (r) => r.includes('ping'), 'a ping from the page', 10_000);
  send('pong');
  assert.equal(await linkKind(), 'live');
});

/**
 * Puts the page deep into its backoff: jitter pinned to the top of its range
 * (Math.random in the page) and the server refusing every attempt, until the
 * indicator's countdown reaches `minS` seconds. Then the server accepts again.
 */
async function longBackoff(pattern: RegExp, minS: number): Promise<number> {
  await phone.page.evaluate('Math.random = () => 0.999');
  server.refuse = true;
  current().ws.terminate();
  const label = await waitFor(
    async () => (await phone.page.textContent('#link')) ?? '',
    (t) => Number(pattern.exec(t)?.[1] ?? 0) >= minS,
    `a retry at least ${minS} s away`,
    30_000,
  );
  server.refuse = false;
  return Number(pattern.exec(label)?.[1]);
}

for (const [event, dispatch] of [
  ['pageshow', "window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }))"],
  ['visibilitychange', "document.dispatchEvent(new Event('visibilitychange'))"], // the page is visible
] as const) {
  test(`${event} reconnects at once instead of waiting for the backoff`, async () => {
    const retryInS = await longBackoff(/^reconnecting in (\d+) s$/, 8);
    const before = server.sockets.length;
    await phone.page.evaluate(dispatch);
    // The scheduled retry is `retryInS` away; a connection well before it came from the event.
    await waitFor(async () => server.sockets.length, (n) => n > before, `a connection right after ${event}`, (retryInS - 2) * 1000);
    await acceptWithSnapshot(before + 1);
    assert.equal(await linkKind(), 'live');
  });
}

test('going offline shows offline with its retry; coming back online reconnects at once', async () => {
  await phone.context.setOffline(true);
  await waitFor(linkKind, (k) => k === 'offline', 'the offline indicator');
  const retryInS = await longBackoff(/^offline · retry in (\d+) s$/, 8);
  await phone.screenshot('offline');
  const before = server.sockets.length;
  await phone.context.setOffline(false);
  await waitFor(async () => server.sockets.length, (n) => n > before, 'a connection right after online', (retryInS - 2) * 1000);
  await acceptWithSnapshot(before + 1);
  assert.equal(await linkKind(), 'live');
});

test('a daemon of another version on reconnect reloads the page, so its new assets are used', async () => {
  await phone.page.evaluate('window.__before = true');
  const before = server.sockets.length;
  current().ws.terminate();
  await waitFor(async () => server.sockets.length, (n) => n > before, 'a reconnect');
  const loaded = phone.page.waitForEvent('load', { timeout: 10_000 });
  send({ ...HELLO, server: { name: 'dashcamd', version: 'test-upgraded' } });
  await loaded;
  assert.equal(await phone.page.evaluate('window.__before === undefined'), true);
});

test('a socket that opens but never gets a hello is given up and replaced', async () => {
  const before = server.sockets.length;
  current().ws.terminate();
  await waitFor(async () => server.sockets.length, (n) => n > before, 'a reconnect');
  // This server stays silent: no hello. The page must not wait on it forever.
  const silent = current();
  await waitFor(async () => server.sockets.length, (n) => n > before + 1, 'a new socket after the hello timeout', 20_000);
  assert.notEqual(current(), silent);
  await waitFor(async () => silent.ws.readyState, (s) => s === silent.ws.CLOSED, 'the page closed the silent socket', 5_000);
  await acceptWithSnapshot(server.sockets.length);
});
