import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GpioFeature } from '../daemon/gpio/feature.js';
import { SafeShutdown, ShutdownHooks } from '../daemon/safe-shutdown.js';
import { EventMarks } from '../daemon/event-marks.js';
import { EventMarker } from '../daemon/event-marker.js';
import { StateStore } from '../daemon/state.js';
import type { EventMessage, GpsFix, SystemState } from '../daemon/protocol.js';
import { SimulatedGpio } from '../drivers/gpio/simulated.js';
import { recordingLogger, tempDir } from './helpers/daemon.js';

const FIX: GpsFix = {
  time: '2026-05-01T10:00:00.000Z', lat: 47.3769, lon: 8.5417, altitude: 408, speed: 13.9, track: 270, climb: 0,
  mode: '3d', hdop: 0.9, errorM: 2.5, satellitesUsed: 9, satellitesVisible: 14,
};
const START = Date.parse('2026-05-01T10:00:05.000Z');

async function setup(t: TestContext) {
  t.mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'], now: START });
  const dir = await tempDir('dashcamd-gpio-');
  const trace = join(dir, 'poweroff.log');
  const store = new StateStore();
  const events: EventMessage[] = [];
  store.onMessage((m) => void (m.type === 'event' && events.push(m)));
  const { log, lines } = recordingLogger();
  const hooks = new ShutdownHooks();
  const shutdown = new SafeShutdown({ command: ['sh', '-c', `echo poweroff >> "${trace}"`] }, hooks, store, log);
  const marks = new EventMarks(join(dir, 'events.sqlite'));
  const marker = new EventMarker(marks, store, hooks, log);
  const gpio = new SimulatedGpio();
  const feature = new GpioFeature({ debounceMs: 30, longPressMs: 3000, ignitionGraceMs: 30_000 }, gpio, store, marker, shutdown, log);
  marker.start();
  await feature.start();
  t.after(async () => {
    await feature.stop();
    marker.stop();
  });
  t.mock.timers.tick(100); // let the initial levels settle
  const poweroffs = (): number => {
    try {
      return readFileSync(trace, 'utf8').split('\n').filter(Boolean).length;
    } catch {
      return 0;
    }
  };
  return { store, events, lines, shutdown, marks, gpio, poweroffs, hooks };
}

/**
 * Advances mock time in 10 ms steps: Node 20's mock timers run callbacks with
 * the clock already at the end of a tick, so a timer started inside a callback
 * (debounce settling, then the long-press timer) would otherwise start late.
 */
function advance(t: TestContext, ms: number): void {
  for (let left = ms; left > 0; left -= 10) t.mock.timers.tick(Math.min(10, left));
}

/** Drives a bouncing contact: a burst of edges, then the final level held for holdMs. */
function bounce(t: TestContext, gpio: SimulatedGpio, name: 'button' | 'ignition', level: boolean, holdMs: number): void {
  for (const ms of [1, 3, 2, 4]) {
    gpio.set(name, level);
    t.mock.timers.tick(ms);
    gpio.set(name, !level);
    t.mock.timers.tick(ms);
  }
  gpio.set(name, level);
  advance(t, holdMs);
}

function press(t: TestContext, gpio: SimulatedGpio, holdMs: number): void {
  bounce(t, gpio, 'button', true, holdMs);
  bounce(t, gpio, 'button', false, 500);
}

test('three bouncing short presses store three marks with the current position and announce each once', async (t) => {
  const s = await setup(t);
  s.store.set('gps', { source: 'simulated', connected: true, fix: FIX, lastFixAt: START, stale: false });
  press(t, s.gpio, 200);
  press(t, s.gpio, 200);
  press(t, s.gpio, 200);
  const stored = s.marks.list(10).reverse();
  assert.equal(stored.length, 3);
  assert.deepEqual(stored.map((m) => m.source), ['button', 'button', 'button']);
  assert.deepEqual(stored[0]!.position, { lat: FIX.lat, lon: FIX.lon, altitude: 408, speed: 13.9, track: 270, mode: '3d', fixTime: FIX.time, stale: false });
  // Each press is marked at the moment the debounced press began.
  const times = stored.map((m) => Date.parse(m.time));
  assert.ok(times[0]! > START && times[1]! > times[0]! && times[2]! > times[1]!);
  const announced = s.events.filter((e) => e.name === 'mark');
  assert.deepEqual(announced.map((e) => [e.topic, e.data.id]), stored.map((m) => ['events', m.id]));
  assert.equal(s.shutdown.started, false);
});

test('a press without any fix is marked without a position', async (t) => {
  const s = await setup(t);
  press(t, s.gpio, 100);
  const [mark] = s.marks.list(10);
  assert.ok(mark);
  assert.equal(mark.position, null);
});

test('a long press runs the shutdown command exactly once, even with more long presses and an ignition loss after it', async (t) => {
  const s = await setup(t);
  let flushed = 0;
  s.hooks.register('counter', () => void flushed++);
  bounce(t, s.gpio, 'button', true, 3050);
  assert.equal(s.shutdown.started, true);
  assert.equal(s.marks.list(10).length, 0, 'a long press is not also a mark');
  bounce(t, s.gpio, 'button', false, 500);
  bounce(t, s.gpio, 'button', true, 3500);
  bounce(t, s.gpio, 'button', false, 500);
  bounce(t, s.gpio, 'ignition', false, 31_000);
  const outcome = await s.shutdown.trigger('test: wait for the running shutdown');
  assert.equal(outcome.reason, 'button long press');
  assert.equal(outcome.exitCode, 0);
  assert.equal(s.poweroffs(), 1);
  assert.equal(flushed, 1);
  assert.deepEqual(new Set(Object.values(s.store.get('gpio').leds)), new Set(['blinkSlow']));
});

test('ignition that drops and returns within the grace period does not shut down', async (t) => {
  const s = await setup(t);
  bounce(t, s.gpio, 'ignition', false, 20_000);
  assert.equal(s.store.get('gpio').ignition, false);
  bounce(t, s.gpio, 'ignition', true, 100);
  advance(t, 120_000);
  assert.equal(s.store.get('gpio').ignition, true);
  assert.equal(s.shutdown.started, false);
  assert.equal(s.poweroffs(), 0);
});

test('ignition off past the grace period shuts down once', async (t) => {
  const s = await setup(t);
  bounce(t, s.gpio, 'ignition', false, 29_000);
  assert.equal(s.shutdown.started, false);
  advance(t, 1_100);
  assert.equal(s.shutdown.started, true);
  const outcome = await s.shutdown.trigger('test: wait for the running shutdown');
  assert.equal(outcome.reason, 'ignition off');
  assert.equal(s.poweroffs(), 1);
});

test('the gpio topic and the LED outputs follow the state', async (t) => {
  const s = await setup(t);
  const system = (freeBytes: number): SystemState => ({
    cpuTempC: null, load1: 0, load5: 0, load15: 0, memTotalBytes: 1, memFreeBytes: 1, rssBytes: 1,
    diskFreeBytes: freeBytes, diskTotalBytes: 100, uptimeS: 1, processUptimeS: 1, loopDelayP50Ms: 0, loopDelayP99Ms: 0,
  });
  const gpio = s.store.get('gpio');
  assert.equal(gpio.available, true);
  assert.equal(gpio.leds.gps, 'off');
  s.store.set('system', system(50));
  s.store.set('gps', { source: 'simulated', connected: true, fix: FIX, lastFixAt: START, stale: false });
  const leds = s.store.get('gpio').leds;
  assert.equal(leds.diskYellow, 'on');
  assert.equal(leds.gps, 'on');
  assert.equal(s.gpio.outputs.get('ledDiskYellow'), true);
  assert.equal(s.gpio.outputs.get('ledGps'), true);
  assert.equal(s.gpio.outputs.get('ledDiskGreen'), false);
});
