import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bcmToSysfs, readGpioChips } from '../drivers/gpio/sysfs-map.js';
import { tempDir } from './helpers/daemon.js';

/** Lays out a directory like /sys/class/gpio with the given chips. */
async function fakeSysfs(chips: Array<{ base: number; label: string; ngpio: number }>): Promise<string> {
  const root = await tempDir('dashcamd-sysfs-');
  await writeFile(join(root, 'export'), '');
  await writeFile(join(root, 'unexport'), '');
  for (const c of chips) {
    const dir = join(root, `gpiochip${c.base}`);
    await mkdir(dir);
    await writeFile(join(dir, 'label'), `${c.label}\n`);
    await writeFile(join(dir, 'base'), `${c.base}\n`);
    await writeFile(join(dir, 'ngpio'), `${c.ngpio}\n`);
  }
  return root;
}

test('a Pi 4 on kernel 6.6 maps BCM 17 through the bcm2711 chip at base 512', async () => {
  const root = await fakeSysfs([
    { base: 504, label: 'raspberrypi-exp-gpio', ngpio: 8 },
    { base: 512, label: 'pinctrl-bcm2711', ngpio: 58 },
  ]);
  const chips = await readGpioChips(root);
  assert.equal(chips.length, 2);
  const m = bcmToSysfs(chips, 17);
  assert.ok(m.ok);
  assert.equal(m.sysfs, 529);
  assert.equal(m.chip.name, 'gpiochip512');
});

test('a Pi 5 maps BCM pins through the RP1 chip, not the SoC chip that comes first', async () => {
  const root = await fakeSysfs([
    { base: 512, label: 'gpio-brcmstb@107d508500', ngpio: 32 },
    { base: 544, label: 'pinctrl-bcm2712', ngpio: 27 },
    { base: 571, label: 'pinctrl-rp1', ngpio: 54 },
  ]);
  const m = bcmToSysfs(await readGpioChips(root), 27);
  assert.ok(m.ok);
  assert.equal(m.sysfs, 598);
  assert.equal(m.chip.label, 'pinctrl-rp1');
});

test('an older kernel with the bcm2835 chip at base 0 maps BCM numbers unchanged', async () => {
  const root = await fakeSysfs([{ base: 0, label: 'pinctrl-bcm2835', ngpio: 54 }]);
  const m = bcmToSysfs(await readGpioChips(root), 22);
  assert.ok(m.ok);
  assert.equal(m.sysfs, 22);
});

test('a machine without a Raspberry Pi chip gets a reason naming the chips it has', async () => {
  const root = await fakeSysfs([{ base: 0, label: 'INT34C5:00', ngpio: 360 }]);
  const m = bcmToSysfs(await readGpioChips(root), 17);
  assert.equal(m.ok, false);
  assert.match(m.ok ? '' : m.reason, /no Raspberry Pi GPIO chip.*INT34C5:00/);
});

test('a pin beyond the chip is refused with a reason', async () => {
  const root = await fakeSysfs([{ base: 512, label: 'pinctrl-bcm2711', ngpio: 58 }]);
  const m = bcmToSysfs(await readGpioChips(root), 58);
  assert.equal(m.ok, false);
  assert.match(m.ok ? '' : m.reason, /BCM 58 is outside pinctrl-bcm2711/);
});

test('chips with broken attribute files are skipped', async () => {
  const root = await fakeSysfs([{ base: 512, label: 'pinctrl-bcm2711', ngpio: 58 }]);
  await mkdir(join(root, 'gpiochip600'));
  await writeFile(join(root, 'gpiochip600', 'label'), 'half-written');
  const chips = await readGpioChips(root);
  assert.deepEqual(chips.map((c) => c.name), ['gpiochip512']);
});

test('a missing sysfs directory is an error the caller can report', async () => {
  const root = join(await tempDir('dashcamd-sysfs-'), 'absent');
  await assert.rejects(readGpioChips(root), { code: 'ENOENT' });
});
