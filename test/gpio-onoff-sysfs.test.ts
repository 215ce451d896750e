/**
 * The real onoff driver against a sysfs GPIO tree laid out in a private
 * mount namespace (util-linux `unshare -r -m` and a tmpfs over /sys/class),
 * so onoff's hard-coded /sys/class/gpio paths are real files. Proves the
 * BCM -> sysfs mapping reaches onoff and that active levels are applied.
 * Inputs are not covered here: onoff watches with epoll, which regular files
 * do not support.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './helpers/daemon.js';

interface ChildResult {
  status: { available: boolean; reason: string | null };
  started: Record<string, string>;
  written: Record<string, Record<string, string>>;
  unexported: string;
}

function runInFakeSysfs(level: 'high' | 'low'): Promise<ChildResult> {
  const child = join(ROOT, 'test', 'helpers', 'onoff-sysfs-child.ts');
  const script = `mount -t tmpfs tmpfs /sys/class && exec "${process.execPath}" --import tsx "${child}" ${level}`;
  return new Promise((resolve, reject) => {
    execFile('unshare', ['-r', '-m', 'sh', '-c', script], { cwd: ROOT, timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`unshare failed (util-linux and user namespaces are required): ${err.message}\n${stderr}`));
      resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '') as ChildResult);
    });
  });
}

test('on a Pi 4 layout the driver drives BCM 22 as sysfs gpio534, starting off', async () => {
  const r = await runInFakeSysfs('high');
  assert.deepEqual(r.status, { available: true, reason: null });
  assert.deepEqual([r.started.direction, r.started.active_low], ['low', '0']);
  assert.equal(r.written.ledGps!.value, '1');
  assert.equal(r.written.ledError!.value, '0');
  assert.equal(r.written.ledDiskRed!.direction, 'low');
  // stop() unexports every pin it opened (the last one written is in the file).
  assert.match(r.unexported, /^5\d\d$/);
});

test('active-low LEDs are configured inverted and start at the physically high (off) level', async () => {
  const r = await runInFakeSysfs('low');
  assert.deepEqual(r.status, { available: true, reason: null });
  assert.deepEqual([r.started.direction, r.started.active_low], ['high', '1']);
  assert.equal(r.written.ledGps!.value, '1');
});
