import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClockCheck } from '../daemon/gps-clock.js';
import { GpsPublisher } from '../daemon/gps-publisher.js';
import { StateStore } from '../daemon/state.js';
import type { GpsFix } from '../daemon/protocol.js';
import type { GpsDriver, GpsSink } from '../drivers/gps/types.js';
import { recordingLogger } from './helpers/daemon.js';
import { waitFor } from './helpers/wait.js';

const GPS_TIME = Date.parse('2026-05-18T08:00:00.000Z');
const fix = (time: number, mode: GpsFix['mode'] = '3d'): GpsFix => ({
  time: new Date(time).toISOString(), lat: 48.1, lon: 11.5, altitude: 500, speed: 0, track: 0, climb: 0, mode, hdop: 1, errorM: 5, satellitesUsed: 7, satellitesVisible: 9,
});

test('a system clock far from GPS time is reported with its offset and logged once', () => {
  let now = GPS_TIME + 3_600_000;
  const { log, lines } = recordingLogger();
  const clock = new ClockCheck({ maxOffsetMs: 5000, setSystemClock: false, now: () => now }, log);
  assert.equal(clock.status().offsetMs, null);
  assert.equal(clock.observe(fix(GPS_TIME)), 3_600_000);
  now += 1000;
  assert.equal(clock.observe(fix(GPS_TIME + 1000)), 3_600_000);
  assert.deepEqual({ ...clock.status(), lastSet: null }, { offsetMs: 3_600_000, unset: false, ok: false, setSystemClock: false, lastSet: null });
  const warnings = lines.filter((l) => l.msg === 'system clock differs from GPS time');
  assert.equal(warnings.length, 1);
  assert.equal(warnings[0]!.offsetMs, 3_600_000);
  // Times without a position fix are not trusted.
  assert.equal(clock.observe(fix(GPS_TIME - 99_000_000, 'none')), 3_600_000);
});

test('an unset clock (1970) is named as such, and a close clock is ok', () => {
  const { log, lines } = recordingLogger();
  const clock = new ClockCheck({ maxOffsetMs: 5000, setSystemClock: false, now: () => 30_000 }, log);
  clock.observe(fix(GPS_TIME));
  assert.equal(clock.status().unset, true);
  assert.ok(lines.some((l) => l.msg === 'system clock is unset; GPS time differs'));
  const fine = new ClockCheck({ maxOffsetMs: 5000, setSystemClock: false, now: () => GPS_TIME + 300 }, recordingLogger().log);
  assert.equal(fine.observe(fix(GPS_TIME)), 300);
  assert.equal(fine.status().ok, true);
});

test('setting the clock happens only when configured, once, and a failure is reported', async () => {
  const calls: Date[] = [];
  const now = GPS_TIME - 86_400_000;
  const off = new ClockCheck({ maxOffsetMs: 5000, setSystemClock: false, now: () => now, setClock: async (d) => void calls.push(d) }, recordingLogger().log);
  off.observe(fix(GPS_TIME));
  await new Promise((r) => setImmediate(r));
  assert.equal(calls.length, 0);

  const on = new ClockCheck({ maxOffsetMs: 5000, setSystemClock: true, now: () => now, setClock: async (d) => void calls.push(d) }, recordingLogger().log);
  on.observe(fix(GPS_TIME));
  on.observe(fix(GPS_TIME + 1000));
  await waitFor('set', () => on.status().lastSet);
  assert.equal(calls.length, 1, 'one attempt, not one per fix');
  assert.equal(calls[0]!.getTime(), GPS_TIME);
  assert.equal(on.status().lastSet?.result, 'set');

  const { log, lines } = recordingLogger();
  const denied = new ClockCheck({ maxOffsetMs: 5000, setSystemClock: true, now: () => now, setClock: async () => { throw new Error('date: cannot set date: Operation not permitted'); } }, log);
  denied.observe(fix(GPS_TIME));
  await waitFor('failure', () => denied.status().lastSet);
  assert.equal(denied.status().lastSet?.result, 'failed');
  assert.match(denied.status().lastSet?.error ?? '', /not permitted/);
  assert.ok(lines.some((l) => l.msg === 'setting the system clock failed (needs CAP_SYS_TIME)'));
});

test('the gps topic carries the clock offset of the last fix', async () => {
  let sink: GpsSink | null = null;
  const driver: GpsDriver = { source: 'gpsd', start: async (s) => void (sink = s), stop: async () => undefined };
  const store = new StateStore();
  const clock = new ClockCheck({ maxOffsetMs: 5000, setSystemClock: false }, recordingLogger().log);
  const pub = new GpsPublisher({ staleAfterMs: 5000 }, driver, store, recordingLogger().log, clock);
  await pub.start();
  try {
    sink!.fix(fix(Date.now() - 120_000));
    const offset = store.get('gps').clockOffsetMs;
    assert.ok(typeof offset === 'number' && offset >= 120_000 && offset < 130_000, `offset ${offset}`);
  } finally {
    await pub.stop();
  }
});
