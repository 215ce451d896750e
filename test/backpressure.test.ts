/**
 * Backpressure with real sockets: a client that stops reading gets coalesced
 * progress (latest per key) and every event once it reads again; a client that
 * falls too far behind is closed with 4001 and recovers by snapshot.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import { startInProcess } from './helpers/daemon.js';
import { TestClient } from './helpers/ws-client.js';
import type { DownloadJob } from '../daemon/protocol.js';

const FILLER = 'x'.repeat(2000); // ~2 KB per message fills kernel buffers quickly

function job(id: string, tilesDone: number, state: DownloadJob['state'] = 'running'): DownloadJob {
  return {
    id, name: `${id} ${FILLER}`, state, reason: null, tilesDone, tilesTotal: 1e6, tilesMissing: 0, tilesFailed: 0,
    bytes: tilesDone * 900, tilesPerS: 40, bytesPerS: 36_000, etaS: 100, updatedAt: tilesDone,
  };
}

const slowConfig = (hardLimitBytes: number) => ({
  heartbeat: { pingIntervalMs: 10_000, deadAfterMs: 60_000 }, // a paused reader must not die of heartbeat here
  backpressure: { softLimitBytes: 64 * 1024, hardLimitBytes },
});

test('a client that stops reading gets coalesced progress and every terminal event, then equal state', async () => {
  const d = await startInProcess(slowConfig(16 * 1024 * 1024));
  const fast = new TestClient(d.wsUrl);
  const slow = new TestClient(d.wsUrl);
  try {
    await Promise.all([fast, slow].map((c) => c.until(() => c.state !== null, 5000, 'snapshot')));
    slow.ws.pause();
    const store = d.daemon.store;
    let events = 0;
    for (let i = 1; i <= 12_000; i++) {
      store.setKey('downloads', 'a', job('a', i));
      store.setKey('downloads', 'b', job('b', i));
      if (i % 1000 === 0) {
        store.setKey('downloads', `t${i}`, job(`t${i}`, i, 'done'));
        store.emitEvent('downloads', 'done', { id: `t${i}`, tiles: i });
        events++;
      }
      if (i % 200 === 0) await tick(); // let uWS run, as real producers do
    }
    store.emitEvent('downloads', 'cancelled', { id: 'a' });
    events++;
    slow.ws.resume();
    const target = store.seq;
    await Promise.all([fast, slow].map((c) => c.until(() => c.seq === target, 30_000, 'catch up')));
    const truth = store.snapshot().state;
    assert.deepEqual(slow.state, truth);
    assert.deepEqual(fast.state, truth);
    assert.deepEqual(slow.events.map((e) => e.data), fast.events.map((e) => e.data), 'every event, in order');
    assert.equal(slow.events.length, events);
    assert.equal(slow.gaps, 0, 'coalesced messages carry prev, so no gap is seen');
    const slowDeltas = slow.messages.filter((m) => m.type === 'delta').length;
    const fastDeltas = fast.messages.filter((m) => m.type === 'delta').length;
    assert.ok(slowDeltas < fastDeltas / 2, `slow client got ${slowDeltas} deltas, fast ${fastDeltas}: progress was coalesced`);
    assert.equal(d.daemon.channel.stats.closedTooSlow, 0);
  } finally {
    fast.close();
    slow.close();
    await d.stop();
  }
});

test('a client past the hard limit is closed with 4001 and a reconnect gets the exact state', async () => {
  const d = await startInProcess(slowConfig(512 * 1024));
  const slow = new TestClient(d.wsUrl);
  try {
    await slow.until(() => slow.state !== null, 5000, 'snapshot');
    slow.ws.pause();
    // Distinct keys cannot be coalesced, so the queue must hit the hard limit.
    for (let i = 1; i <= 6000 && d.daemon.channel.stats.closedTooSlow === 0; i++) {
      d.daemon.store.setKey('downloads', `k${i}`, job(`k${i}`, i));
      if (i % 200 === 0) await tick();
    }
    assert.equal(d.daemon.channel.stats.closedTooSlow, 1);
    assert.equal(d.daemon.channel.clientCount, 0, 'the server forgot the client and its queue');
    slow.ws.resume();
    const closed = await slow.closed;
    assert.equal(closed.code, 4001);
    const again = new TestClient(d.wsUrl);
    await again.until(() => again.state !== null, 5000, 'snapshot after reconnect');
    assert.deepEqual(again.state, d.daemon.store.snapshot().state);
    again.close();
  } finally {
    slow.close();
    await d.stop();
  }
});
