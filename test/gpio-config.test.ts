import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, ConfigError } from '../daemon/config/load.js';

const EMPTY_ENV = {};

test('the gpio defaults are BCM pins with their active levels, 3 s long press and 30 s ignition grace', () => {
  const g = loadConfig({ file: null, env: EMPTY_ENV }).gpio;
  assert.deepEqual(g.button, { pin: 17, activeLevel: 'low' });
  assert.deepEqual(g.ignition, { pin: 27, activeLevel: 'high' });
  assert.deepEqual(g.leds.pins, { gps: 22, download: 23, error: 24, diskGreen: 5, diskYellow: 6, diskRed: 13 });
  assert.equal(g.longPressMs, 3000);
  assert.equal(g.ignitionGraceMs, 30_000);
  assert.equal(g.shutdownCommand, undefined);
});

test('two functions on one BCM pin are refused with the path of the second', () => {
  assert.throws(
    () => loadConfig({ file: null, env: EMPTY_ENV, overrides: { gpio: { leds: { pins: { error: 17 } } } } }),
    (err: unknown) => err instanceof ConfigError && err.problems.includes('gpio.leds.pins.error: BCM 17 is already used by button.pin'),
  );
});

test('a pin can be left unwired with null, and the shutdown command comes from the environment as JSON', () => {
  const g = loadConfig({
    file: null,
    env: { ...EMPTY_ENV, DASHCAMD_GPIO__SHUTDOWN_COMMAND: '["/usr/bin/systemctl","poweroff","--no-wall"]', DASHCAMD_GPIO__IGNITION_GRACE_MS: '5000' },
    overrides: { gpio: { ignition: { pin: null } } },
  }).gpio;
  assert.equal(g.ignition.pin, null);
  assert.deepEqual(g.shutdownCommand, ['/usr/bin/systemctl', 'poweroff', '--no-wall']);
  assert.equal(g.ignitionGraceMs, 5000);
});

test('an empty shutdown command and an out-of-range pin are named by path', () => {
  assert.throws(
    () => loadConfig({ file: null, env: EMPTY_ENV, overrides: { gpio: { shutdownCommand: [], button: { pin: 60 } } } }),
    (err: unknown) =>
      err instanceof ConfigError &&
      err.problems.some((p) => p.startsWith('gpio.shutdownCommand: ')) &&
      err.problems.some((p) => p.startsWith('gpio.button.pin: ')),
  );
});
