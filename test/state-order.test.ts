/**
 * StateStore delivery order: a listener that changes state while it handles a
 * message (as the GPIO LEDs do for downloads) must not let its nested message
 * overtake the one being delivered, or the channel drops the earlier one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StateStore } from '../daemon/state.js';
import { Outbox } from '../daemon/outbox.js';
import type { DownloadJob, SequencedMessage } from '../daemon/protocol.js';

const job = (state: DownloadJob['state'], tilesDone: number): DownloadJob => ({
  id: 'j1', name: 'area', state, reason: null, tilesDone, tilesTotal: 10, tilesMissing: 0, tilesFailed: 0,
  bytes: 0, tilesPerS: 0, bytesPerS: 0, etaS: null, updatedAt: 0,
});

/** Reacts to a finished download by changing GPIO state, inside the delivery. */
function ledFollowsDownloads(store: StateStore): void {
  store.onMessage((msg) => {
    if (msg.type === 'delta' && msg.topic === 'downloads' && msg.value?.state === 'done') {
      store.set('gpio', { ...store.get('gpio'), leds: { status: 'on' } });
    }
  });
}

test('listeners registered after a state-changing listener still see every message in seq order', () => {
  const store = new StateStore();
  ledFollowsDownloads(store);
  const seen: number[] = [];
  store.onMessage((msg) => seen.push(msg.seq));
  store.setKey('downloads', 'j1', job('running', 5));
  store.setKey('downloads', 'j1', job('done', 10));
  store.setKey('downloads', 'j1', null);
  assert.deepEqual(seen, [1, 2, 3, 4]);
  assert.equal(store.get('gpio').leds.status, 'on');
});

test('a client outbox behind such a listener receives the final download delta', () => {
  const store = new StateStore();
  ledFollowsDownloads(store);
  const texts: string[] = [];
  const outbox = new Outbox({ send: (t) => (texts.push(t), 'sent'), bufferedAmount: () => 0 }, { softLimitBytes: 1 << 16, hardLimitBytes: 1 << 20 }, 0);
  store.onMessage((msg) => outbox.push(msg, JSON.stringify(msg)));
  store.setKey('downloads', 'j1', job('running', 5));
  store.setKey('downloads', 'j1', job('done', 10));
  const sent = texts.map((t) => JSON.parse(t) as SequencedMessage & { value?: DownloadJob });
  assert.deepEqual(sent.map((m) => m.seq), [1, 2, 3]);
  assert.equal(sent.find((m) => m.seq === 2)?.value?.state, 'done');
  assert.ok(sent.every((m) => m.prev === undefined), 'no message claims to skip another');
});
