/**
 * Maps BCM pin numbers (the numbers printed on Raspberry Pi pinout charts) to
 * sysfs GPIO numbers. Kernels 6.6 and later number sysfs GPIOs dynamically:
 * the header chip of a Pi 4 starts at 512, a Pi 5's RP1 at 571 (reported), and
 * older kernels start at 0. The only reliable source is the chip's own `base`
 * under /sys/class/gpio/gpiochipN, found by its `label`. See docs/gpio.md.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export const SYSFS_GPIO_ROOT = '/sys/class/gpio';

/**
 * Labels of chips that drive the 40-pin header, most specific first. A Pi 5
 * also lists `pinctrl-bcm2712` (the SoC's own pins, not the header), so the
 * RP1 must win over it; it is deliberately absent here.
 */
export const HEADER_CHIP_LABELS = ['pinctrl-rp1', 'pinctrl-bcm2711', 'pinctrl-bcm2835'] as const;

export interface GpioChip {
  /** Directory name, e.g. gpiochip512. */
  name: string;
  label: string;
  base: number;
  ngpio: number;
}

export type PinMapping = { ok: true; sysfs: number; chip: GpioChip } | { ok: false; reason: string };

/** Reads every gpiochip under `root`. Chips with unreadable or odd files are skipped. */
export async function readGpioChips(root = SYSFS_GPIO_ROOT): Promise<GpioChip[]> {
  const entries = await readdir(root);
  const chips: GpioChip[] = [];
  for (const name of entries.filter((e) => /^gpiochip\d+$/.test(e)).sort()) {
    try {
      const [label, base, ngpio] = await Promise.all(
        ['label', 'base', 'ngpio'].map(async (f) => (await readFile(join(root, name, f), 'utf8')).trim()),
      );
      const b = Number(base);
      const n = Number(ngpio);
      if (label && Number.isInteger(b) && b >= 0 && Number.isInteger(n) && n > 0) chips.push({ name, label, base: b, ngpio: n });
    } catch {
      // A chip without readable attributes cannot be the header chip.
    }
  }
  return chips;
}

/** The chip that carries the header pins, or null when none is known. */
export function headerChip(chips: readonly GpioChip[]): GpioChip | null {
  for (const label of HEADER_CHIP_LABELS) {
    const chip = chips.find((c) => c.label === label);
    if (chip) return chip;
  }
  return null;
}

/** base + BCM of the header chip; a reason when the pin cannot be mapped. */
export function bcmToSysfs(chips: readonly GpioChip[], bcm: number): PinMapping {
  const chip = headerChip(chips);
  if (!chip) {
    const seen = chips.map((c) => c.label).join(', ') || 'none';
    return { ok: false, reason: `no Raspberry Pi GPIO chip (${HEADER_CHIP_LABELS.join(' / ')}) found; chips seen: ${seen}` };
  }
  if (!Number.isInteger(bcm) || bcm < 0 || bcm >= chip.ngpio) {
    return { ok: false, reason: `BCM ${bcm} is outside ${chip.label} (${chip.ngpio} lines)` };
  }
  return { ok: true, sysfs: chip.base + bcm, chip };
}
