import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { RateGate } from '../geodata/rate-gate.js';

/** Runs `n` acquires that start together; returns when each was let through (mocked ms). */
async function starts(t: TestContext, gate: RateGate, n: number, stepMs: number, limitMs: number): Promise<number[]> {
  const at: number[] = [];
  for (let i = 0; i < n; i++) void gate.acquire().then(() => at.push(Date.now()));
  for (let ms = 0; ms <= limitMs && at.length < n; ms += stepMs) {
    // Let resolved acquires (and the sleeps they start) run before time moves on.
    for (let k = 0; k < 5; k++) await Promise.resolve();
    if (at.length < n) t.mock.timers.tick(stepMs);
  }
  for (let k = 0; k < 5; k++) await Promise.resolve();
  return at.sort((a, b) => a - b);
}

test('requests start spaced by the source rate', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  const at = await starts(t, new RateGate(10), 5, 10, 2000);
  assert.deepEqual(at, [0, 100, 200, 300, 400]);
});

test('waits below a millisecond start no timer (a timer tick per request would cap fast sources)', async (t) => {
  const gate = new RateGate(1e6);
  const timers = t.mock.method(globalThis, 'setTimeout');
  await Promise.all(Array.from({ length: 100 }, () => gate.acquire()));
  assert.equal(timers.mock.callCount(), 0);
});

test('the average rate holds when waits fall between milliseconds', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  // 300/s: starts 3.33 ms apart, so most waits are fractions of a millisecond plus whole ones.
  const at = await starts(t, new RateGate(300), 31, 1, 2000);
  assert.equal(at.length, 31);
  assert.ok(at[30]! >= 99 && at[30]! <= 101, `31st start at ${at[30]} ms, expected ~100`);
  for (let i = 1; i < 31; i++) assert.ok(at[i]! >= Math.floor((i * 1000) / 300) - 1, `start ${i} at ${at[i]} ms is ahead of the rate`);
});

test('a 429/503 pauses every request and halves the rate, which then creeps back', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  const gate = new RateGate(10);
  gate.slowDown(1000);
  assert.equal(gate.currentRate, 5);
  assert.equal(gate.pausedForMs(), 1000);
  const at = await starts(t, gate, 3, 10, 3000);
  // Nobody before the pause ends; then spaced at the halved rate (200 ms).
  assert.deepEqual(at, [1000, 1200, 1400]);
  for (let i = 0; i < 100; i++) gate.succeeded();
  assert.equal(gate.currentRate, 10);
});
