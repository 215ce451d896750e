import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OnoffGpio, type OnoffGpioOptions } from '../drivers/gpio/onoff.js';
import type { GpioInput } from '../drivers/gpio/types.js';
import type { EventMark, EventMessage } from '../daemon/protocol.js';
import { startInProcess, tempDir } from './helpers/daemon.js';

const OPTIONS: OnoffGpioOptions = {
  inputs: { button: { pin: 17, activeLevel: 'low' }, ignition: { pin: 27, activeLevel: 'high' } },
  outputs: { ledGps: 22, ledDownload: 23, ledError: 24, ledDiskGreen: 5, ledDiskYellow: 6, ledDiskRed: 13 },
  outputActiveLevel: 'high',
};

async function fakeSysfs(label: string): Promise<string> {
  const root = await tempDir('dashcamd-sysfs-');
  await writeFile(join(root, 'export'), '');
  await mkdir(join(root, 'gpiochip512'));
  await writeFile(join(root, 'gpiochip512', 'label'), label);
  await writeFile(join(root, 'gpiochip512', 'base'), '512');
  await writeFile(join(root, 'gpiochip512', 'ngpio'), '58');
  return root;
}

test('the onoff driver loads on this machine and reports GPIO unavailable with the reason', async () => {
  // This machine has no sysfs GPIO; if it ever has, this test must be rethought, not skipped.
  assert.equal(existsSync('/sys/class/gpio/export'), false, 'this test expects a machine without /sys/class/gpio');
  const { Gpio } = await import('onoff');
  assert.equal(Gpio.accessible, false);
  const driver = new OnoffGpio(OPTIONS);
  const inputs: Array<[GpioInput, boolean]> = [];
  await driver.start({ input: (name, active) => inputs.push([name, active]) });
  assert.deepEqual(driver.status(), { available: false, reason: '/sys/class/gpio does not exist (not a Raspberry Pi, or a kernel without sysfs GPIO)' });
  assert.equal(driver.read('button'), null);
  driver.write('ledGps', true); // a no-op, never a throw
  assert.deepEqual(inputs, []);
  await driver.stop();
});

test('a sysfs tree without a Raspberry Pi chip names the pin and the chips found', async () => {
  const driver = new OnoffGpio({ ...OPTIONS, sysfsRoot: await fakeSysfs('INT34C5:00') });
  await driver.start({ input: () => undefined });
  const s = driver.status();
  assert.equal(s.available, false);
  assert.match(s.reason ?? '', /^button: no Raspberry Pi GPIO chip .* chips seen: INT34C5:00$/);
});

test('a mapped pin whose export fails leaves the driver unavailable instead of throwing', async () => {
  // The mapping succeeds (BCM 17 -> 529); onoff then writes the real, absent /sys/class/gpio/export.
  const driver = new OnoffGpio({ ...OPTIONS, sysfsRoot: await fakeSysfs('pinctrl-bcm2711') });
  await driver.start({ input: () => undefined });
  const s = driver.status();
  assert.equal(s.available, false);
  assert.match(s.reason ?? '', /GPIO setup failed: .*\/sys\/class\/gpio\/export/);
});

test('a daemon with the onoff driver keeps running without GPIO, warns once, and serves event marks', async (t) => {
  const d = await startInProcess({ simulate: false, gps: { driver: 'simulated' }, gpio: { driver: 'onoff' } });
  t.after(() => d.stop());
  const events: EventMessage[] = [];
  d.daemon.store.onMessage((m) => void (m.type === 'event' && events.push(m)));

  const health = await fetch(new URL('/api/health', d.url));
  assert.equal(health.status, 200);
  assert.equal(((await health.json()) as { status: string }).status, 'ok');
  const gpio = d.daemon.store.get('gpio');
  assert.equal(gpio.available, false);
  assert.match(gpio.reason ?? '', /\/sys\/class\/gpio does not exist/);
  assert.equal(gpio.leds.gps !== undefined, true, 'LED patterns are published even without LEDs');
  const warnings = d.lines.filter((l) => l.level === 40 && /GPIO/.test(l.msg));
  assert.equal(warnings.length, 1);

  const empty = await fetch(new URL('/api/events', d.url));
  assert.deepEqual(await empty.json(), { events: [] });
  const created = await fetch(new URL('/api/events', d.url), { method: 'POST' });
  assert.equal(created.status, 201);
  const { event } = (await created.json()) as { event: EventMark };
  assert.equal(event.source, 'api');
  const list = (await (await fetch(new URL('/api/events?limit=5', d.url))).json()) as { events: EventMark[] };
  assert.deepEqual(list.events, [event]);
  assert.deepEqual(events.filter((e) => e.name === 'mark').map((e) => e.data.id), [event.id]);

  const bad = await fetch(new URL('/api/events?limit=0', d.url));
  assert.equal(bad.status, 400);
  const body = (await bad.json()) as { error: { code: string; details: string[] } };
  assert.equal(body.error.code, 'VALIDATION');
  assert.match(body.error.details[0] ?? '', /^limit: /);
});
