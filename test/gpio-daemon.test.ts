/**
 * The GPIO feature wired into a whole simulated daemon: presses arrive through
 * the simulated driver (driven by POST /api/debug/gpio), marks come back from
 * /api/events, and the configured shutdown command runs once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EventMark, EventMessage } from '../daemon/protocol.js';
import { startInProcess, tempDir, type InProcess } from './helpers/daemon.js';
import { waitFor } from './helpers/wait.js';

async function setInput(d: InProcess, input: 'button' | 'ignition', active: boolean): Promise<void> {
  const res = await fetch(new URL('/api/debug/gpio', d.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ input, active }),
  });
  assert.equal(res.status, 200, await res.text());
}

async function daemon(t: { after(fn: () => Promise<void>): void }) {
  const trace = join(await tempDir('dashcamd-gpio-e2e-'), 'poweroff.log');
  const d = await startInProcess({
    debug: { testHooks: true },
    gpio: { debounceMs: 20, longPressMs: 600, ignitionGraceMs: 400, shutdownCommand: ['sh', '-c', `echo poweroff >> "${trace}"`] },
  });
  t.after(() => d.stop());
  const events: EventMessage[] = [];
  d.daemon.store.onMessage((m) => void (m.type === 'event' && events.push(m)));
  const poweroffs = (): number => {
    try {
      return readFileSync(trace, 'utf8').split('\n').filter(Boolean).length;
    } catch {
      return 0;
    }
  };
  return { d, events, poweroffs };
}

test('a short press on the simulated button is stored and listed by GET /api/events', async (t) => {
  const { d, events } = await daemon(t);
  await setInput(d, 'button', true);
  await sleep(150);
  await setInput(d, 'button', false);
  await waitFor('the mark event', () => events.some((e) => e.name === 'mark'), 10_000);
  const res = await fetch(new URL('/api/events', d.url));
  const { events: marks } = (await res.json()) as { events: EventMark[] };
  assert.equal(marks.length, 1);
  assert.equal(marks[0]!.source, 'button');
  assert.equal(events.find((e) => e.name === 'mark')!.data.id, marks[0]!.id);
});

test('a long press and a later ignition loss run the configured shutdown command once', async (t) => {
  const { d, events, poweroffs } = await daemon(t);
  await setInput(d, 'button', true);
  await waitFor('the power-off command', () => poweroffs() === 1, 10_000);
  await setInput(d, 'button', false);
  await setInput(d, 'ignition', false);
  await sleep(1200); // past the 400 ms grace period
  assert.equal(poweroffs(), 1);
  assert.deepEqual(events.filter((e) => e.name === 'shutdown').map((e) => e.data.reason), ['button long press']);
  assert.deepEqual(new Set(Object.values(d.daemon.store.get('gpio').leds)), new Set(['blinkSlow']));
  const marks = (await (await fetch(new URL('/api/events', d.url))).json()) as { events: EventMark[] };
  assert.deepEqual(marks.events, [], 'a long press is not a mark');
});

test('the GPIO debug route exists only with test hooks', async (t) => {
  const d = await startInProcess({});
  t.after(() => d.stop());
  const res = await fetch(new URL('/api/debug/gpio', d.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"input":"button","active":true}' });
  assert.equal(res.status, 404);
});
