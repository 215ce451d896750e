/**
 * The channel protocol against a real daemon over loopback with real
 * WebSocket clients: order of hello/snapshot/seq, ping/pong, resync and bad input.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startInProcess, type InProcess } from './helpers/daemon.js';
import { TestClient } from './helpers/ws-client.js';
import { PROTOCOL_VERSION, RESYNC_BURST, RESYNC_PER_S, type DownloadJob, type HelloMessage } from '../daemon/protocol.js';
import { sleep } from './helpers/wait.js';

let d: InProcess;

function job(id: string, tilesDone: number, extra: Partial<DownloadJob> = {}): DownloadJob {
  return {
    id, name: `job ${id}`, state: 'running', reason: null, tilesDone, tilesTotal: 1000, tilesMissing: 0,
    tilesFailed: 0, bytes: tilesDone * 1000, tilesPerS: 10, bytesPerS: 10_000, etaS: 10, updatedAt: Date.now(), ...extra,
  };
}

before(async () => {
  d = await startInProcess({ heartbeat: { pingIntervalMs: 1000, deadAfterMs: 5000 }, historySize: 50 });
});
after(async () => {
  await d.stop();
});

test('a new client gets hello, then a snapshot, then deltas with strictly increasing seq', async () => {
  const c = new TestClient(d.wsUrl);
  await c.until(() => c.messages.length >= 2, 5000, 'hello and snapshot');
  const [hello, snapshot] = c.messages;
  assert.equal(hello?.type, 'hello');
  const h = hello as HelloMessage;
  assert.equal(h.protocol, PROTOCOL_VERSION);
  assert.equal(h.server.name, 'dashcamd');
  assert.deepEqual(h.heartbeat, { pingIntervalMs: 1000, deadAfterMs: 5000 });
  assert.equal(snapshot?.type, 'snapshot');
  for (let i = 1; i <= 20; i++) d.daemon.store.setKey('downloads', 'seq-test', job('seq-test', i));
  await c.until(() => c.state?.downloads['seq-test']?.tilesDone === 20, 5000, 'twenty deltas');
  const seqs = c.messages.filter((m) => m.type === 'delta' || m.type === 'event').map((m) => (m as { seq: number }).seq);
  for (let i = 1; i < seqs.length; i++) assert.ok(seqs[i]! > seqs[i - 1]!, `seq ${seqs[i]} after ${seqs[i - 1]}`);
  assert.ok(seqs[0]! > (snapshot as { seq: number }).seq);
  assert.equal(c.gaps, 0);
  assert.deepEqual(c.state, d.daemon.store.snapshot().state);
  c.close();
});

test('a text "ping" is answered with a text "pong"', async () => {
  const c = new TestClient(d.wsUrl);
  await c.opened;
  c.send('ping');
  await c.until(() => c.texts.includes('pong'), 5000, 'pong');
  c.close();
});

test('the server sends native ping frames, and text pings when asked for them', async () => {
  const c = new TestClient(d.wsUrl);
  await c.opened;
  c.send({ type: 'options', serverTextPings: true });
  await c.until(() => c.pingFrames >= 1 && c.texts.includes('ping'), 5000, 'ping frame and text ping');
  c.close();
});

test('resync after a dropped connection ends with the client state equal to the server state', async () => {
  const c = new TestClient(d.wsUrl);
  await c.until(() => c.state !== null, 5000, 'snapshot');
  d.daemon.store.setKey('downloads', 'r1', job('r1', 1));
  await c.until(() => c.state?.downloads.r1?.tilesDone === 1, 5000, 'first delta');
  const lastSeq = c.seq;
  c.close();
  await c.closed;
  // While the client is away: a few changes (kept in history) ...
  for (let i = 2; i <= 10; i++) d.daemon.store.setKey('downloads', 'r1', job('r1', i));
  d.daemon.store.emitEvent('downloads', 'done', { id: 'r1' });
  const c2 = new TestClient(d.wsUrl, { autoResync: false });
  await c2.until(() => c2.state !== null, 5000, 'snapshot');
  // Replace the fresh snapshot by the old view and ask for what was missed.
  const before = c2.messages.length;
  c2.state = structuredClone(c.state);
  c2.seq = lastSeq;
  c2.send({ type: 'resync', lastSeq });
  await c2.until(() => c2.seq === d.daemon.store.seq, 5000, 'resync replay');
  const replay = c2.messages.slice(before);
  assert.ok(replay.every((m) => m.type === 'delta' || m.type === 'event'), 'missed messages replayed, not a snapshot');
  assert.equal(replay.length, 10);
  assert.deepEqual(c2.state, d.daemon.store.snapshot().state);
  assert.equal(c2.events.at(-1)?.name, 'done');
  c2.close();
});

test('resync from a seq older than the history gets a new snapshot', async () => {
  const c = new TestClient(d.wsUrl);
  await c.until(() => c.state !== null, 5000, 'snapshot');
  const old = c.seq;
  for (let i = 0; i < 120; i++) d.daemon.store.setKey('downloads', 'h', job('h', i)); // history holds 50
  await c.until(() => c.seq === d.daemon.store.seq, 5000, 'catch up');
  const before = c.messages.length;
  c.send({ type: 'resync', lastSeq: old });
  await c.until(() => c.messages.length > before, 5000, 'answer');
  assert.equal(c.messages[before]?.type, 'snapshot');
  assert.deepEqual(c.state, d.daemon.store.snapshot().state);
  c.close();
});

test('resyncs are rate limited: a burst is answered, a loop gets RATE_LIMITED and the socket stays open', async () => {
  const c = new TestClient(d.wsUrl);
  await c.until(() => c.state !== null, 5000, 'snapshot');
  const before = c.messages.length;
  // lastSeq 0 is older than any history: each answered resync is a whole snapshot.
  for (let i = 0; i < RESYNC_BURST + 10; i++) c.send({ type: 'resync', lastSeq: 0 });
  await c.until(() => c.messages.length >= before + RESYNC_BURST + 10, 5000, 'an answer to every resync');
  const answers = c.messages.slice(before).map((m) => (m.type === 'error' ? m.code : m.type));
  // The burst is answered; of the rest, sent at once, only what refilled meanwhile (a token a second).
  const snapshots = answers.filter((a) => a === 'snapshot').length;
  assert.ok(snapshots >= RESYNC_BURST, answers.join());
  assert.equal(answers.filter((a) => a === 'RATE_LIMITED').length, RESYNC_BURST + 10 - snapshots);
  assert.ok(snapshots <= RESYNC_BURST + 5, `${snapshots} snapshots: the loop was not limited (${answers.join()})`);
  // A token comes back after a second: resync works again, and the client was never closed.
  await sleep(1100 / RESYNC_PER_S);
  const again = c.messages.length;
  c.send({ type: 'resync', lastSeq: 0 });
  await c.until(() => c.messages.length > again, 5000, 'resync after the refill');
  assert.equal(c.messages[again]?.type, 'snapshot');
  assert.deepEqual(c.state, d.daemon.store.snapshot().state);
  c.close();
});

test('invalid JSON, unknown types, bad fields and binary frames get error messages, not a crash', async () => {
  const c = new TestClient(d.wsUrl);
  await c.until(() => c.state !== null, 5000, 'snapshot');
  c.send('{not json');
  c.send({ type: 'launchRockets' });
  c.send({ type: 'resync', lastSeq: -3 });
  c.ws.send(Buffer.from([1, 2, 3]), { binary: true });
  await c.until(() => c.messages.filter((m) => m.type === 'error').length === 4, 5000, 'four errors');
  const codes = c.messages.filter((m) => m.type === 'error').map((m) => (m as { code: string }).code);
  assert.deepEqual(codes, ['BAD_JSON', 'UNKNOWN_TYPE', 'BAD_MESSAGE', 'BINARY_NOT_SUPPORTED']);
  c.send({ type: 'resync', lastSeq: d.daemon.store.seq + 1000 });
  await c.until(() => c.messages.filter((m) => m.type === 'error').length === 5, 5000, 'BAD_SEQ');
  assert.equal((c.messages.at(-1) as { code: string }).code, 'BAD_SEQ');
  // Still alive and served.
  c.send('ping');
  await c.until(() => c.texts.includes('pong'), 5000, 'pong after errors');
  c.close();
});

test('a client that keeps sending garbage is closed with 4002', async () => {
  const c = new TestClient(d.wsUrl);
  await c.opened;
  for (let i = 0; i < 5; i++) c.send('garbage');
  const closed = await c.closed;
  assert.equal(closed.code, 4002);
  assert.equal(closed.reason, 'protocol error');
});

test('an oversized frame closes the socket with a non-1000 code and the daemon keeps serving', async () => {
  const c = new TestClient(d.wsUrl);
  await c.opened;
  c.send('x'.repeat(64 * 1024));
  const closed = await c.closed;
  assert.notEqual(closed.code, 1000);
  const c2 = new TestClient(d.wsUrl);
  await c2.until(() => c2.state !== null, 5000, 'snapshot after oversized frame');
  c2.close();
});

test('an upgrade from a foreign origin is refused with 403, the own origin is accepted', async () => {
  const foreign = new TestClient(d.wsUrl, { origin: 'http://evil.example' });
  await assert.rejects(foreign.opened, /403/);
  const own = new TestClient(d.wsUrl, { origin: `http://127.0.0.1:${d.port}` });
  await own.opened;
  own.close();
});

test('with a token configured, the socket and the API require it', async () => {
  const t = await startInProcess({ server: { token: 'car-secret-123', allowedOrigins: ['http://phone.local:5173'] } });
  try {
    await assert.rejects(new TestClient(t.wsUrl).opened, /401/);
    await assert.rejects(new TestClient(`${t.wsUrl}?token=wrong-token-1`).opened, /401/);
    const ok = new TestClient(`${t.wsUrl}?token=car-secret-123`, { origin: 'http://phone.local:5173' });
    await ok.until(() => ok.state !== null, 5000, 'snapshot with token');
    ok.close();
    const unauth = await fetch(`${t.url}api/health`);
    assert.equal(unauth.status, 401);
    assert.equal(((await unauth.json()) as { error: { code: string } }).error.code, 'UNAUTHORIZED');
    const auth = await fetch(`${t.url}api/health`, { headers: { authorization: 'Bearer car-secret-123' } });
    assert.equal(auth.status, 200);
  } finally {
    await t.stop();
  }
});

test('upgrades beyond server.maxClients are refused with 503 until a slot frees', async () => {
  const t = await startInProcess({ server: { maxClients: 2 } });
  try {
    const a = new TestClient(t.wsUrl);
    const b = new TestClient(t.wsUrl);
    await Promise.all([a.opened, b.opened]);
    await assert.rejects(new TestClient(t.wsUrl).opened, /503/);
    a.close();
    await a.closed;
    const c = new TestClient(t.wsUrl);
    await c.until(() => c.state !== null, 5000, 'snapshot once a slot is free');
    b.close();
    c.close();
  } finally {
    await t.stop();
  }
});

test('stopping the daemon closes every client with 1001', async () => {
  const t = await startInProcess();
  const clients = [new TestClient(t.wsUrl), new TestClient(t.wsUrl)];
  await Promise.all(clients.map((c) => c.until(() => c.state !== null, 5000, 'snapshot')));
  await t.stop();
  for (const c of clients) assert.deepEqual(await c.closed, { code: 1001, reason: 'server shutting down' });
  await assert.rejects(new Promise((res, rej) => {
    const ws = new WebSocket(t.wsUrl);
    ws.on('open', res);
    ws.on('error', rej);
  }));
});
