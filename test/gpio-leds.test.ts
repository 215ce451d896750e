import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ledPatterns, diskLevel, type LedInputs } from '../daemon/gpio/led-patterns.js';
import { LedDriver, LED_TICK_MS } from '../daemon/gpio/led-driver.js';
import { emptyState, type DownloadJob, type GpsFix, type SystemState } from '../daemon/protocol.js';
import { SimulatedGpio } from '../drivers/gpio/simulated.js';

const FIX: GpsFix = {
  time: '2026-01-01T00:00:00.000Z', lat: 48.1, lon: 11.5, altitude: 520, speed: 10, track: 90, climb: 0,
  mode: '3d', hdop: 1, errorM: 3, satellitesUsed: 8, satellitesVisible: 12,
};

function system(freePct: number | null): SystemState {
  const total = 1_000_000;
  return {
    cpuTempC: null, load1: 0, load5: 0, load15: 0, memTotalBytes: 1, memFreeBytes: 1, rssBytes: 1,
    diskFreeBytes: freePct === null ? null : (total * freePct) / 100, diskTotalBytes: freePct === null ? null : total,
    uptimeS: 1, processUptimeS: 1, loopDelayP50Ms: 0, loopDelayP99Ms: 0,
  };
}

function job(state: DownloadJob['state']): DownloadJob {
  return { id: state, name: state, state, reason: null, tilesDone: 0, tilesTotal: 1, tilesMissing: 0, tilesFailed: 0, bytes: 0, tilesPerS: 0, bytesPerS: 0, etaS: null, updatedAt: 0 };
}

/** A healthy baseline: receiver with a fresh fix, no jobs, 80 % free. */
function inputs(patch: Partial<LedInputs> = {}): LedInputs {
  const gps = { ...emptyState().gps, source: 'gpsd' as const, connected: true, fix: FIX, lastFixAt: 1, stale: false };
  return { gps, downloads: {}, system: system(80), shuttingDown: false, ...patch };
}

test('the GPS LED is on with a fix, blinks slowly while searching or stale, and is off without a receiver', () => {
  assert.equal(ledPatterns(inputs()).gps, 'on');
  assert.equal(ledPatterns(inputs({ gps: { ...inputs().gps, fix: null } })).gps, 'blinkSlow');
  assert.equal(ledPatterns(inputs({ gps: { ...inputs().gps, stale: true } })).gps, 'blinkSlow');
  assert.equal(ledPatterns(inputs({ gps: { ...inputs().gps, fix: { ...FIX, mode: 'none' } } })).gps, 'blinkSlow');
  assert.equal(ledPatterns(inputs({ gps: { ...inputs().gps, connected: false } })).gps, 'off');
});

test('the download LED is on while a job runs, blinks while one waits, and is off when idle', () => {
  assert.equal(ledPatterns(inputs()).download, 'off');
  assert.equal(ledPatterns(inputs({ downloads: { a: job('done'), b: job('running') } })).download, 'on');
  assert.equal(ledPatterns(inputs({ downloads: { a: job('waitingForNetwork') } })).download, 'blinkSlow');
  assert.equal(ledPatterns(inputs({ downloads: { a: job('diskLow') } })).download, 'blinkSlow');
  assert.equal(ledPatterns(inputs({ downloads: { a: job('paused'), b: job('done') } })).download, 'off');
});

test('the error LED is on for a lost receiver, a failed download or a nearly full disk, and off otherwise', () => {
  assert.equal(ledPatterns(inputs()).error, 'off');
  assert.equal(ledPatterns(inputs({ gps: { ...inputs().gps, connected: false } })).error, 'on');
  assert.equal(ledPatterns(inputs({ downloads: { a: job('failed') } })).error, 'on');
  assert.equal(ledPatterns(inputs({ system: system(5) })).error, 'on');
});

test('the disk LEDs show green from 70 % free, yellow from 30 %, red below, and fast red blinking below 10 %', () => {
  const disk = (pct: number | null) => {
    const p = ledPatterns(inputs({ system: system(pct) }));
    return [p.diskGreen, p.diskYellow, p.diskRed];
  };
  assert.deepEqual(disk(100), ['on', 'off', 'off']);
  assert.deepEqual(disk(70), ['on', 'off', 'off']);
  assert.deepEqual(disk(69.9), ['off', 'on', 'off']);
  assert.deepEqual(disk(30), ['off', 'on', 'off']);
  assert.deepEqual(disk(29.9), ['off', 'off', 'on']);
  assert.deepEqual(disk(10), ['off', 'off', 'on']);
  assert.deepEqual(disk(9.9), ['off', 'off', 'blinkFast']);
  assert.deepEqual(disk(null), ['off', 'off', 'off']);
  assert.equal(diskLevel(null), 'unknown');
});

test('during a shutdown every LED blinks slowly whatever the state', () => {
  const p = ledPatterns(inputs({ shuttingDown: true, downloads: { a: job('failed') } }));
  assert.deepEqual(new Set(Object.values(p)), new Set(['blinkSlow']));
});

test('the LED driver writes steady levels once and blinks fast and slow LEDs in step', (t) => {
  t.mock.timers.enable({ apis: ['setInterval'] });
  const gpio = new SimulatedGpio();
  const leds = new LedDriver(gpio);
  leds.show({ gps: 'on', download: 'off', error: 'off', diskGreen: 'off', diskYellow: 'off', diskRed: 'blinkFast' });
  leds.show({ gps: 'on', download: 'off', error: 'off', diskGreen: 'off', diskYellow: 'off', diskRed: 'blinkFast' });
  assert.equal(gpio.writes.filter((w) => w.name === 'ledGps').length, 1);
  const red: boolean[] = [];
  for (let i = 0; i < 4; i++) {
    red.push(gpio.outputs.get('ledDiskRed') === true);
    t.mock.timers.tick(LED_TICK_MS);
  }
  assert.deepEqual(red, [true, false, true, false]);

  leds.show({ gps: 'blinkSlow', download: 'off', error: 'off', diskGreen: 'off', diskYellow: 'off', diskRed: 'off' });
  const gps: boolean[] = [];
  for (let i = 0; i < 8; i++) {
    gps.push(gpio.outputs.get('ledGps') === true);
    t.mock.timers.tick(LED_TICK_MS);
  }
  // The ticker keeps its phase across pattern changes (all LEDs blink in step): 1 s on, 1 s off.
  const [first] = gps;
  assert.deepEqual(gps, [first, first, first, first, !first, !first, !first, !first]);
  leds.stop();
  assert.ok([...gpio.outputs.values()].every((on) => on === false));
});
