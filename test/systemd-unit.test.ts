/**
 * systemd/dashcamd.service: systemd's own checker (`systemd-analyze verify`,
 * which exits 0 even on ignored settings, so its messages count as failures),
 * its hardening score, and the settings the daemon's behaviour relies on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, tempDir } from './helpers/daemon.js';

const UNIT_FILE = join(ROOT, 'systemd', 'dashcamd.service');
const UNIT_TEXT = readFileSync(UNIT_FILE, 'utf8');
/** daemon/run.ts: EX_CONFIG and SHUTDOWN_BUDGET_MS. */
const EX_CONFIG = 78;
const SHUTDOWN_BUDGET_S = 5;

function systemdAnalyze(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('systemd-analyze', args, { encoding: 'utf8', env: { ...process.env, SYSTEMD_COLORS: '0', SYSTEMD_PAGER: '' } });
  if (r.error) assert.fail(`systemd-analyze cannot run (${r.error.message}): apt-get install systemd`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Verifies unit text as dashcamd.service. On a machine without /usr/bin/node
 * the copy runs this test's node instead, so only real unit errors remain.
 * Messages about the distribution's own units (gpsd.service) are not ours.
 */
async function verify(text: string): Promise<string[]> {
  const dir = await tempDir('dashcamd-unit-');
  const file = join(dir, 'dashcamd.service');
  writeFileSync(file, existsSync('/usr/bin/node') ? text : text.replace(/^ExecStart=\/usr\/bin\/node /m, `ExecStart=${process.execPath} `));
  const r = systemdAnalyze(['verify', '--man=no', file]);
  rmSync(dir, { recursive: true, force: true });
  const problems = r.stderr
    .split('\n')
    .filter((l) => l.trim() !== '' && !/^\/(usr\/)?lib\/systemd\/system\//.test(l));
  if (r.status !== 0) problems.push(`systemd-analyze verify exited ${r.status}`);
  return problems;
}

/** [section, key, value] for every setting; keys may repeat. */
function settings(text: string): Array<[string, string, string]> {
  const out: Array<[string, string, string]> = [];
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const sec = /^\[(.+)\]$/.exec(line);
    if (sec) section = sec[1]!;
    else {
      const i = line.indexOf('=');
      out.push([section, line.slice(0, i).trim(), line.slice(i + 1).trim()]);
    }
  }
  return out;
}

function get(section: string, key: string): string {
  const values = settings(UNIT_TEXT)
    .filter(([s, k]) => s === section && k === key)
    .map(([, , v]) => v);
  assert.equal(values.length, 1, `[${section}] ${key}= is set exactly once`);
  return values[0]!;
}

function seconds(value: string): number {
  const m = /^(\d+)(s|min)?$/.exec(value);
  assert.ok(m, `a plain time span: ${value}`);
  return Number(m[1]) * (m[2] === 'min' ? 60 : 1);
}

test('systemd-analyze verify accepts the unit without a single message', async () => {
  assert.deepEqual(await verify(UNIT_TEXT), []);
});

test('the verify check reports a broken unit, so it can fail', async () => {
  const broken = UNIT_TEXT.replace(/^Type=notify$/m, 'Type=notfy').replace(/^WatchdogSec=20$/m, 'WatchdogSec=20\nWatchdogSecs=20');
  const problems = await verify(broken);
  assert.ok(problems.some((p) => /service type/.test(p)), problems.join('\n'));
  assert.ok(problems.some((p) => /Unknown key/.test(p) && /WatchdogSecs/.test(p)), problems.join('\n'));
});

test('the unit runs the built daemon as dashcam with readiness, watchdog and restart policy', () => {
  assert.equal(get('Service', 'Type'), 'notify');
  // Only the node process itself may notify (daemon/sd-notify.ts sends from it).
  assert.equal(get('Service', 'NotifyAccess'), 'main');
  assert.equal(seconds(get('Service', 'WatchdogSec')), 20);
  assert.equal(get('Service', 'ExecStart'), '/usr/bin/node /opt/dashcamd/dist/daemon/cli.js run');
  assert.ok(existsSync(join(ROOT, 'dist', 'daemon', 'cli.js')), 'the installer copies dist/ to /opt/dashcamd/dist (run make build)');
  assert.equal(get('Service', 'Restart'), 'always');
  assert.ok(seconds(get('Service', 'RestartSec')) > 0);
  assert.ok(get('Service', 'RestartPreventExitStatus').split(/\s+/).includes(String(EX_CONFIG)));
  assert.ok(seconds(get('Service', 'TimeoutStopSec')) > SHUTDOWN_BUDGET_S, 'systemd waits longer than the daemon’s own budget');
  assert.equal(get('Service', 'User'), 'dashcam');
  assert.deepEqual(get('Service', 'SupplementaryGroups').split(/\s+/).sort(), ['dialout', 'gpio', 'video']);
  assert.equal(get('Service', 'StateDirectory'), 'dashcamd');
  assert.equal(get('Service', 'ConfigurationDirectory'), 'dashcamd');
  assert.match(get('Unit', 'After'), /\bgpsd\.service\b/);
  assert.match(get('Unit', 'Wants'), /\bgpsd\.service\b/);
  assert.equal(get('Install', 'WantedBy'), 'multi-user.target');
});

test('the unit is sandboxed: no new privileges, read-only system, no home, private /tmp', () => {
  for (const key of ['NoNewPrivileges', 'ProtectHome', 'PrivateTmp', 'ProtectKernelModules', 'ProtectControlGroups', 'RestrictSUIDSGID']) {
    assert.equal(get('Service', key), 'yes', key);
  }
  assert.equal(get('Service', 'ProtectSystem'), 'strict');
  assert.equal(get('Service', 'CapabilityBoundingSet'), '');
  // The state directory is the only writable place; sysfs GPIO needs /sys writable.
  assert.ok(!settings(UNIT_TEXT).some(([, k]) => k === 'ReadWritePaths' || k === 'ProtectKernelTunables' || k === 'PrivateDevices'));
});

test('systemd rates the unit’s exposure OK or better', () => {
  const r = systemdAnalyze(['security', '--offline=yes', '--no-pager', UNIT_FILE]);
  const m = /Overall exposure level for dashcamd\.service: (\d+(?:\.\d+)?) (\S+)/.exec(r.stdout + r.stderr);
  assert.ok(m, `no exposure line in:\n${r.stdout}${r.stderr}`);
  // systemd's scale: below 3.0 is OK, 10 is UNSAFE.
  assert.ok(Number(m[1]) < 3, `exposure ${m[1]} ${m[2]}`);
});
