/**
 * Heartbeat: peers that stop answering are closed with 4000 within deadAfter
 * (plus a margin), even while the server keeps sending them progress; peers
 * that only answer ping frames stay connected.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { once } from 'node:events';
import { join } from 'node:path';
import { startInProcess, ROOT, type InProcess } from './helpers/daemon.js';
import { TestClient } from './helpers/ws-client.js';
import { waitFor } from './helpers/wait.js';
import type { DownloadJob } from '../daemon/protocol.js';

const DEAD_AFTER = 1500;
let d: InProcess;
let progress: NodeJS.Timeout;

function job(tilesDone: number): DownloadJob {
  return {
    id: 'hb', name: 'heartbeat test', state: 'running', reason: null, tilesDone, tilesTotal: 1e6, tilesMissing: 0,
    tilesFailed: 0, bytes: tilesDone * 900, tilesPerS: 40, bytesPerS: 36_000, etaS: 100, updatedAt: Date.now(),
  };
}

before(async () => {
  d = await startInProcess({ heartbeat: { pingIntervalMs: 400, deadAfterMs: DEAD_AFTER } });
  let n = 0;
  // Progress keeps flowing to every client for the whole file.
  progress = setInterval(() => d.daemon.store.setKey('downloads', 'hb', job(++n)), 100);
});
after(async () => {
  clearInterval(progress);
  await d.stop();
});

test('a client process frozen with SIGSTOP is closed with 4000 while progress keeps flowing', async () => {
  const child = spawn(process.execPath, [join(ROOT, 'test/helpers/stoppable-client.mjs'), d.wsUrl], { cwd: ROOT });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  await waitFor('child ready', () => out.includes('ready'), 10_000);
  const closedBefore = d.daemon.channel.stats.closedHeartbeat;
  const clientsBefore = d.daemon.channel.clientCount;
  child.kill('SIGSTOP');
  try {
    await waitFor('heartbeat close', () => d.daemon.channel.stats.closedHeartbeat > closedBefore, DEAD_AFTER + 3000);
    assert.equal(d.daemon.channel.clientCount, clientsBefore - 1);
    assert.ok(d.lines.some((l) => l.msg === 'client heartbeat timeout'));
  } finally {
    child.kill('SIGCONT');
  }
  // Once it runs again, the child reads the close frame the server sent.
  await waitFor('child sees the close', () => out.includes('closed'), 10_000);
  assert.match(out, /closed 4000 heartbeat timeout/);
  child.kill();
});

test('a raw socket that stops reading after the upgrade is closed', async () => {
  const sock = connect(d.port, '127.0.0.1');
  await once(sock, 'connect');
  sock.write(
    'GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  );
  const [first] = (await once(sock, 'data')) as [Buffer];
  assert.match(first.toString(), /^HTTP\/1.1 101/);
  sock.pause(); // never read again, never answer a ping
  const closedBefore = d.daemon.channel.stats.closedHeartbeat;
  await waitFor('heartbeat close', () => d.daemon.channel.stats.closedHeartbeat > closedBefore, DEAD_AFTER + 3000);
  sock.destroy();
});

test('a client that only answers ping frames stays connected past several deadAfter periods', async () => {
  const c = new TestClient(d.wsUrl); // ws answers ping frames with pongs by itself
  await c.until(() => c.state !== null, 5000, 'snapshot');
  const seqAtStart = c.seq;
  await new Promise((r) => setTimeout(r, DEAD_AFTER * 3));
  assert.equal(c.ws.readyState, c.ws.OPEN);
  assert.ok(c.pingFrames >= 2, `saw ${c.pingFrames} ping frames`);
  assert.ok(c.seq > seqAtStart, 'progress kept arriving');
  assert.equal(c.gaps, 0);
  c.close();
});

test('a client that ignores ping frames but sends text "ping" stays connected', async () => {
  const c = new TestClient(d.wsUrl, { autoPong: false });
  await c.until(() => c.state !== null, 5000, 'snapshot');
  const timer = setInterval(() => c.send('ping'), DEAD_AFTER / 3);
  try {
    await new Promise((r) => setTimeout(r, DEAD_AFTER * 3));
    assert.equal(c.ws.readyState, c.ws.OPEN);
    assert.ok(c.texts.filter((t) => t === 'pong').length >= 3);
  } finally {
    clearInterval(timer);
  }
  c.close();
});

test('a client that ignores ping frames and sends nothing is closed with 4000', async () => {
  const c = new TestClient(d.wsUrl, { autoPong: false });
  await c.until(() => c.state !== null, 5000, 'snapshot');
  const closed = await c.closed;
  assert.deepEqual(closed, { code: 4000, reason: 'heartbeat timeout' });
});
