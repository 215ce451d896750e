/**
 * Runs inside `unshare -r -m` with a tmpfs mounted over /sys/class (see
 * test/gpio-onoff-sysfs.test.ts): lays out /sys/class/gpio like a Pi 4 on
 * kernel 6.6 (header chip at base 512, pins already exported as udev would
 * leave them), drives the real OnoffGpio outputs and prints what landed in
 * the sysfs files as one JSON line. argv[2] is the LEDs' active level.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OnoffGpio } from '../../drivers/gpio/onoff.js';
import type { GpioOutput } from '../../drivers/gpio/types.js';

const ROOT = '/sys/class/gpio';
const BASE = 512;
const OUTPUTS: Record<GpioOutput, number> = { ledGps: 22, ledDownload: 23, ledError: 24, ledDiskGreen: 5, ledDiskYellow: 6, ledDiskRed: 13 };

// Never touch a real sysfs: the tmpfs over /sys/class hides everything else.
if (existsSync('/sys/class/net') || existsSync(ROOT)) {
  process.stderr.write('not inside the fake /sys/class; refusing to run\n');
  process.exit(2);
}

async function chip(base: number, label: string, ngpio: number): Promise<void> {
  const dir = join(ROOT, `gpiochip${base}`);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'label'), `${label}\n`);
  await writeFile(join(dir, 'base'), `${base}\n`);
  await writeFile(join(dir, 'ngpio'), `${ngpio}\n`);
}

async function files(n: number): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of ['direction', 'active_low', 'value']) out[f] = (await readFile(join(ROOT, `gpio${n}`, f), 'utf8')).trim();
  return out;
}

const level = process.argv[2] === 'low' ? 'low' : 'high';
await mkdir(ROOT, { recursive: true });
await writeFile(join(ROOT, 'export'), '');
await writeFile(join(ROOT, 'unexport'), '');
await chip(504, 'raspberrypi-exp-gpio', 8);
await chip(BASE, 'pinctrl-bcm2711', 58);
for (const bcm of Object.values(OUTPUTS)) {
  const dir = join(ROOT, `gpio${BASE + bcm}`);
  await mkdir(dir);
  for (const [f, v] of [['direction', 'in'], ['active_low', '0'], ['value', '0'], ['edge', 'none']]) await writeFile(join(dir, f!), `${v}\n`);
}

const driver = new OnoffGpio({
  inputs: { button: { pin: null, activeLevel: 'low' }, ignition: { pin: null, activeLevel: 'high' } },
  outputs: OUTPUTS,
  outputActiveLevel: level,
});
await driver.start({ input: () => undefined });
const status = driver.status();
const started = await files(BASE + OUTPUTS.ledGps);
driver.write('ledGps', true);
driver.write('ledError', true);
driver.write('ledError', false);
const written = { ledGps: await files(BASE + OUTPUTS.ledGps), ledError: await files(BASE + OUTPUTS.ledError), ledDiskRed: await files(BASE + OUTPUTS.ledDiskRed) };
await driver.stop();
const unexported = (await readFile(join(ROOT, 'unexport'), 'utf8')).trim();
process.stdout.write(`${JSON.stringify({ status, started, written, unexported })}\n`);
