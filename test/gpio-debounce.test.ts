import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Debouncer } from '../daemon/gpio/debounce.js';
import { ButtonGestures } from '../daemon/gpio/button.js';
import { IgnitionWatch } from '../daemon/gpio/ignition.js';

/** Feeds raw levels with gaps in ms: [level, msUntilNext]. */
function feed(t: { mock: { timers: { tick(ms: number): void } } }, d: Debouncer, steps: Array<[boolean, number]>): void {
  for (const [level, gap] of steps) {
    d.input(level);
    t.mock.timers.tick(gap);
  }
}

test('a press that bounces five times is reported as one change', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const changes: boolean[] = [];
  const d = new Debouncer(30, (l) => changes.push(l));
  feed(t, d, [[false, 100], [true, 2], [false, 3], [true, 1], [false, 4], [true, 2], [false, 1], [true, 100]]);
  assert.deepEqual(changes, [false, true]);
  assert.equal(d.level, true);
});

test('a glitch shorter than the debounce time is ignored', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const changes: boolean[] = [];
  const d = new Debouncer(30, (l) => changes.push(l));
  feed(t, d, [[false, 100], [true, 29], [false, 100]]);
  assert.deepEqual(changes, [false]);
});

test('a level is accepted only once it has held for the whole debounce time', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const changes: boolean[] = [];
  const d = new Debouncer(30, (l) => changes.push(l));
  d.input(true);
  t.mock.timers.tick(29);
  assert.deepEqual(changes, []);
  t.mock.timers.tick(1);
  assert.deepEqual(changes, [true]);
});

test('repeated identical levels do not report a change again', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const changes: boolean[] = [];
  const d = new Debouncer(10, (l) => changes.push(l));
  feed(t, d, [[true, 50], [true, 50], [true, 50]]);
  assert.deepEqual(changes, [true]);
});

test('a debounce time of zero passes every change through at once', () => {
  const changes: boolean[] = [];
  const d = new Debouncer(0, (l) => changes.push(l));
  d.input(true);
  d.input(false);
  assert.deepEqual(changes, [true, false]);
});

test('a release before the long-press time is a short press with the time of the press', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 });
  const seen: string[] = [];
  const b = new ButtonGestures(3000, { shortPress: (at) => seen.push(`short@${at}`), longPress: () => seen.push('long') });
  b.level(true);
  t.mock.timers.tick(2999);
  b.level(false);
  t.mock.timers.tick(10_000);
  assert.deepEqual(seen, ['short@1000000']);
});

test('holding for the long-press time fires the long press while held, and the release adds nothing', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  const seen: string[] = [];
  const b = new ButtonGestures(3000, { shortPress: () => seen.push('short'), longPress: () => seen.push('long') });
  b.level(true);
  t.mock.timers.tick(3000);
  assert.deepEqual(seen, ['long']);
  b.level(false);
  assert.deepEqual(seen, ['long']);
});

test('ignition back within the grace period cancels it; a later drop starts a new one', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  const expired: number[] = [];
  const w = new IgnitionWatch(30_000, (at) => expired.push(at));
  w.level(false);
  t.mock.timers.tick(29_000);
  w.level(true);
  t.mock.timers.tick(60_000);
  assert.deepEqual(expired, []);
  w.level(false);
  t.mock.timers.tick(20_000);
  w.level(false); // a repeated "off" does not restart the period
  t.mock.timers.tick(10_000);
  assert.equal(expired.length, 1);
});
