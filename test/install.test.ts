/**
 * deploy/install.sh and deploy/uninstall.sh against a scratch root (DESTDIR)
 * with the real useradd/groupadd (--prefix) and a stand-in `systemctl` that
 * records its arguments. Also the polkit rule, the config template and the
 * Makefile's guard. Needs root (the installer chowns) and dist/ (make build).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, mkdirSync, chmodSync, lstatSync, readdirSync, readlinkSync, cpSync, appendFileSync, symlinkSync, rmSync, realpathSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import { runInNewContext } from 'node:vm';
import { ROOT, tempDir } from './helpers/daemon.js';
import { loadConfig } from '../daemon/config/load.js';
import { SAMPLE_DRIVE } from '../daemon/devices.js';

/** What `make deploy` copies to the Pi (the Makefile's DEPLOY_FILES). */
const BUNDLE_FILES = ['dist', 'web/dist', 'package.json', 'package-lock.json', 'deploy', 'systemd', 'docs', 'drivers/gps/sample-drive.nmea'];
let BUNDLE = '';
let INSTALL = '';
let UNINSTALL = '';
const made: string[] = [];

/** A temp dir removed when the file's tests end (each holds a copy of the bundle). */
async function scratchDir(prefix: string): Promise<string> {
  const dir = await tempDir(prefix);
  made.push(dir);
  return dir;
}

after(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

interface Scratch {
  root: string;
  bin: string;
  calls: string;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

before(async () => {
  assert.equal(process.getuid?.(), 0, 'the installer tests need root (the installer chowns files); CI runs as root');
  assert.ok(existsSync(join(ROOT, 'dist', 'daemon', 'cli.js')), 'dist/ is missing: run make build first (make test does)');
  const makefile = readFileSync(join(ROOT, 'Makefile'), 'utf8');
  assert.equal(/^DEPLOY_FILES\s*:=\s*(.+)$/m.exec(makefile)?.[1]?.trim(), BUNDLE_FILES.join(' '), 'the test bundle is what make deploy copies');
  BUNDLE = await scratchDir('dashcamd-bundle-');
  // As rsync --relative does: a path keeps its folders (drivers/gps/sample-drive.nmea).
  for (const f of BUNDLE_FILES) cpSync(join(ROOT, f), join(BUNDLE, f), { recursive: true, preserveTimestamps: true });
  INSTALL = join(BUNDLE, 'deploy', 'install.sh');
  UNINSTALL = join(BUNDLE, 'deploy', 'uninstall.sh');
});

/** A scratch root with minimal account files and a recording systemctl. */
async function scratch(): Promise<Scratch> {
  const dir = await scratchDir('dashcamd-install-');
  const root = join(dir, 'root');
  const bin = join(dir, 'bin');
  const calls = join(dir, 'systemctl-calls');
  mkdirSync(join(root, 'etc'), { recursive: true });
  mkdirSync(bin);
  writeFileSync(join(root, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/bash\n');
  writeFileSync(join(root, 'etc', 'group'), 'root:x:0:\ndialout:x:20:\nvideo:x:44:\n');
  writeFileSync(join(root, 'etc', 'shadow'), 'root:*:19000:0:99999:7:::\n', { mode: 0o640 });
  writeFileSync(join(root, 'etc', 'gshadow'), 'root:*::\ndialout:*::\nvideo:*::\n', { mode: 0o640 });
  standIn(bin, 'systemctl', `printf '%s\\n' "$*" >> '${calls}'`);
  return { root, bin, calls };
}

function standIn(bin: string, name: string, body: string): void {
  writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
  chmodSync(join(bin, name), 0o755);
}

function run(script: string, s: Scratch, args: string[] = [], env: NodeJS.ProcessEnv = {}): Run {
  const r = spawnSync('bash', [script, ...args], {
    encoding: 'utf8',
    env: { PATH: `${s.bin}:${process.env.PATH}`, DESTDIR: s.root, DASHCAMD_SKIP_NPM: '1', ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function ok(r: Run): Run {
  assert.equal(r.code, 0, `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  return r;
}

/** Every entry under dir with type, mode, owner, size, mtime and content hash. */
function tree(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(dir, rel)).sort()) {
    const path = join(rel, name);
    const full = join(dir, path);
    const st = lstatSync(full);
    let what = 'dir';
    if (st.isSymbolicLink()) what = `link ${readlinkSync(full)}`;
    else if (st.isFile()) what = `file ${createHash('sha256').update(readFileSync(full)).digest('hex')}`;
    out.push(`${path} ${what} ${st.mode.toString(8)} ${st.uid}:${st.gid} ${st.size} ${st.mtimeMs}`);
    if (st.isDirectory()) out.push(...tree(dir, path));
  }
  return out;
}

function accountLine(s: Scratch, file: string, name: string): string | undefined {
  return readFileSync(join(s.root, 'etc', file), 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}:`));
}

test('a fresh install creates the user, the app, the config, the polkit rule and an enabled unit', async () => {
  const s = await scratch();
  const r = ok(run(INSTALL, s));
  assert.match(accountLine(s, 'passwd', 'dashcam') ?? '', /^dashcam:x:\d+:\d+:[^:]*:\/var\/lib\/dashcamd:\/usr\/sbin\/nologin$/);
  for (const g of ['gpio', 'dialout', 'video']) {
    assert.ok(accountLine(s, 'group', g)?.split(':')[3]?.split(',').includes('dashcam'), `dashcam is in ${g}`);
  }
  const same = (installed: string, source: string): void =>
    assert.equal(readFileSync(join(s.root, installed), 'utf8'), readFileSync(join(BUNDLE, source), 'utf8'), installed);
  same('etc/systemd/system/dashcamd.service', 'systemd/dashcamd.service');
  same('etc/polkit-1/rules.d/50-dashcamd-poweroff.rules', 'deploy/50-dashcamd-poweroff.rules');
  same('etc/dashcamd/config.json', 'deploy/config.example.json');
  same('opt/dashcamd/dist/daemon/cli.js', 'dist/daemon/cli.js');
  same('opt/dashcamd/web/dist/index.html', 'web/dist/index.html');
  same('opt/dashcamd/package-lock.json', 'package-lock.json');
  same('opt/dashcamd/drivers/gps/sample-drive.nmea', 'drivers/gps/sample-drive.nmea');
  // The service reads its config but cannot change it; only dashcam owns the data.
  const uid = Number(accountLine(s, 'passwd', 'dashcam')!.split(':')[2]);
  const conf = lstatSync(join(s.root, 'etc/dashcamd/config.json'));
  assert.equal(conf.mode & 0o777, 0o640);
  assert.equal(conf.uid, 0);
  assert.equal(lstatSync(join(s.root, 'var/lib/dashcamd')).uid, uid);
  assert.equal(lstatSync(join(s.root, 'opt/dashcamd/dist/daemon/cli.js')).uid, 0);
  assert.deepEqual(readFileSync(s.calls, 'utf8').trim().split('\n'), [
    'daemon-reload',
    'enable dashcamd.service',
    '--no-pager --full status dashcamd.service',
  ]);
  assert.match(r.stdout, /DASHCAMD_SKIP_NPM=1/);
});

test('the default sample drive exists and is in what make deploy ships', () => {
  assert.ok(existsSync(SAMPLE_DRIVE), `${SAMPLE_DRIVE} is missing`);
  const rel = relative(ROOT, SAMPLE_DRIVE);
  assert.ok(rel !== '' && !rel.startsWith('..') && !isAbsolute(rel), `${SAMPLE_DRIVE} is outside the package root ${ROOT}`);
  const shipped = /^DEPLOY_FILES\s*:=\s*(.+)$/m.exec(readFileSync(join(ROOT, 'Makefile'), 'utf8'))?.[1]?.trim().split(/\s+/) ?? [];
  assert.ok(
    shipped.some((f) => rel === join(f) || rel.startsWith(join(f) + sep)),
    `${rel} is not in DEPLOY_FILES (${shipped.join(' ')}): an installed Pi would have no sample drive for --simulate`,
  );
});

test('the installed program finds the sample drive from its PACKAGE_ROOT', async () => {
  const s = await scratch();
  ok(run(INSTALL, s));
  const app = realpathSync(join(s.root, 'opt', 'dashcamd'));
  // version.js needs no node_modules: PACKAGE_ROOT as the installed dist/ computes it.
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', 'const m = await import("./dist/daemon/version.js"); process.stdout.write(m.PACKAGE_ROOT);'], { cwd: app, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, app);
  const installed = join(r.stdout, relative(ROOT, SAMPLE_DRIVE));
  assert.ok(existsSync(installed), `${installed} is missing`);
  assert.equal(readFileSync(installed, 'utf8'), readFileSync(SAMPLE_DRIVE, 'utf8'));
});

test('a second install changes no file, and an existing config survives', async () => {
  const s = await scratch();
  const mine = `${JSON.stringify({ version: 1, server: { port: 9090 }, log: { level: 'debug' } }, null, 2)}\n`;
  mkdirSync(join(s.root, 'etc', 'dashcamd'));
  writeFileSync(join(s.root, 'etc', 'dashcamd', 'config.json'), mine);
  ok(run(INSTALL, s));
  const first = tree(s.root);
  const again = ok(run(INSTALL, s));
  assert.deepEqual(tree(s.root), first);
  assert.equal(readFileSync(join(s.root, 'etc', 'dashcamd', 'config.json'), 'utf8'), mine);
  assert.match(again.stdout, /kept existing \/etc\/dashcamd\/config\.json/);
  assert.doesNotMatch(again.stdout, /installed|created|added/);
});

test('an update replaces changed program files and removes stale ones', async () => {
  const s = await scratch();
  ok(run(INSTALL, s));
  const stale = join(s.root, 'opt/dashcamd/dist/daemon/removed-module.js');
  writeFileSync(stale, 'old');
  writeFileSync(join(s.root, 'etc/systemd/system/dashcamd.service'), '[Unit]\n');
  const r = ok(run(INSTALL, s));
  assert.equal(existsSync(stale), false);
  assert.equal(readFileSync(join(s.root, 'etc/systemd/system/dashcamd.service'), 'utf8'), readFileSync(join(BUNDLE, 'systemd/dashcamd.service'), 'utf8'));
  assert.match(r.stdout, /installed \/opt\/dashcamd\/dist/);
});

test('npm ci --omit=dev runs in /opt/dashcamd once, and again only when package-lock.json changes', async () => {
  const s = await scratch();
  const npmCalls = join(s.root, '..', 'npm-calls');
  // Records its argv and working directory, and makes node_modules as npm ci
  // would, with the one package the installer's config check loads.
  standIn(s.bin, 'npm', `printf '%s %s\\n' "$PWD" "$*" >> '${npmCalls}'; mkdir -p node_modules && ln -sfn '${join(ROOT, 'node_modules', 'zod')}' node_modules/zod`);
  const npm = (): string[] => readFileSync(npmCalls, 'utf8').trim().split('\n');
  const app = join(s.root, 'opt', 'dashcamd');
  ok(run(INSTALL, s, [], { DASHCAMD_SKIP_NPM: '' }));
  assert.deepEqual(npm(), [`${app} ci --omit=dev --no-audit --no-fund`]);
  const again = ok(run(INSTALL, s, [], { DASHCAMD_SKIP_NPM: '' }));
  assert.equal(npm().length, 1);
  assert.match(again.stdout, /dependencies up to date/);
  const bundle = await scratchDir('dashcamd-bundle-');
  cpSync(BUNDLE, bundle, { recursive: true, preserveTimestamps: true });
  appendFileSync(join(bundle, 'package-lock.json'), '\n');
  ok(run(join(bundle, 'deploy', 'install.sh'), s, [], { DASHCAMD_SKIP_NPM: '' }));
  assert.equal(npm().length, 2);
});

test('the installer checks the existing config against the new version and fails before a restart would', async () => {
  const s = await scratch();
  ok(run(INSTALL, s));
  // The program's own dependencies, as npm ci would have installed them.
  symlinkSync(join(ROOT, 'node_modules'), join(s.root, 'opt/dashcamd/node_modules'));
  assert.match(ok(run(INSTALL, s)).stdout, /\/etc\/dashcamd\/config\.json is valid for this version/);
  writeFileSync(join(s.root, 'etc/dashcamd/config.json'), JSON.stringify({ server: { port: 70000 }, gps: { driverr: 'gpsd' } }));
  const r = run(INSTALL, s);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /server\.port: Too big/);
  assert.match(r.stderr, /gps\.driverr: unknown field/);
  assert.match(r.stderr, /this version rejects \/etc\/dashcamd\/config\.json/);
});

test('the installer refuses Node.js older than 20 and writes nothing', async () => {
  const s = await scratch();
  standIn(s.bin, 'node', 'echo 18.20.4');
  const r = run(INSTALL, s);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /Node\.js 18\.20\.4 is too old: dashcamd needs >= 20/);
  assert.equal(existsSync(join(s.root, 'opt')), false);
  assert.equal(existsSync(s.calls), false);
});

test('the installer warns that native uWebSockets.js needs Node 20 on Bookworm', async () => {
  const s = await scratch();
  standIn(s.bin, 'node', 'echo 22.12.0');
  const r = ok(run(INSTALL, s));
  assert.match(r.stderr, /WARNING: Node\.js 22\.12\.0: .*only under Node 20/);
});

test('the installer refuses an unsupported architecture', async () => {
  const s = await scratch();
  standIn(s.bin, 'uname', 'echo armv6l');
  const r = run(INSTALL, s);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /armv6l/);
  assert.equal(existsSync(join(s.root, 'opt')), false);
});

test('a scratch-root install refuses to drive the real systemctl', async () => {
  const s = await scratch();
  const r = spawnSync('bash', [INSTALL], {
    encoding: 'utf8',
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', DESTDIR: s.root, DASHCAMD_SKIP_NPM: '1' },
  });
  if (!existsSync('/usr/bin/systemctl') && !existsSync('/bin/systemctl')) assert.fail('systemctl is not installed (apt-get install systemd)');
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /stand-in systemctl/);
});

test('uninstall keeps config, data and user; --purge removes them', async () => {
  const s = await scratch();
  ok(run(INSTALL, s));
  writeFileSync(join(s.root, 'var/lib/dashcamd/trips.sqlite'), 'data');
  ok(run(UNINSTALL, s));
  assert.equal(existsSync(join(s.root, 'opt/dashcamd')), false);
  assert.equal(existsSync(join(s.root, 'etc/systemd/system/dashcamd.service')), false);
  assert.equal(existsSync(join(s.root, 'etc/polkit-1/rules.d/50-dashcamd-poweroff.rules')), false);
  assert.ok(existsSync(join(s.root, 'etc/dashcamd/config.json')));
  assert.ok(existsSync(join(s.root, 'var/lib/dashcamd/trips.sqlite')));
  assert.ok(accountLine(s, 'passwd', 'dashcam'));
  assert.match(readFileSync(s.calls, 'utf8'), /^disable --now dashcamd\.service$/m);
  ok(run(UNINSTALL, s, ['--purge']));
  assert.equal(existsSync(join(s.root, 'etc/dashcamd')), false);
  assert.equal(existsSync(join(s.root, 'var/lib/dashcamd')), false);
  assert.equal(accountLine(s, 'passwd', 'dashcam'), undefined);
});

type Verdict = 'YES' | 'NOT_HANDLED';

/** Evaluates the polkit rule file as polkitd would, with one action. */
function polkitVerdict(user: string, actionId: string, details: Record<string, string> = {}): Verdict | undefined {
  const rules: Array<(action: unknown, subject: unknown) => unknown> = [];
  const polkit = { Result: { YES: 'YES', NOT_HANDLED: null }, addRule: (f: (a: unknown, s: unknown) => unknown) => rules.push(f) };
  runInNewContext(readFileSync(join(ROOT, 'deploy', '50-dashcamd-poweroff.rules'), 'utf8'), { polkit });
  assert.equal(rules.length, 1);
  const action = { id: actionId, lookup: (k: string) => details[k] };
  const result = rules[0]!(action, { user });
  return result === null ? 'NOT_HANDLED' : (result as Verdict | undefined);
}

test('the polkit rule lets only dashcam power off, and allows nothing else', () => {
  assert.equal(polkitVerdict('dashcam', 'org.freedesktop.login1.power-off'), 'YES');
  assert.equal(polkitVerdict('dashcam', 'org.freedesktop.login1.power-off-multiple-sessions'), 'YES');
  assert.equal(polkitVerdict('dashcam', 'org.freedesktop.systemd1.manage-units', { unit: 'poweroff.target', verb: 'start' }), 'YES');
  assert.equal(polkitVerdict('pi', 'org.freedesktop.login1.power-off'), 'NOT_HANDLED');
  assert.equal(polkitVerdict('dashcam', 'org.freedesktop.login1.reboot'), 'NOT_HANDLED');
  assert.equal(polkitVerdict('dashcam', 'org.freedesktop.login1.power-off-ignore-inhibit'), 'NOT_HANDLED');
  assert.equal(polkitVerdict('dashcam', 'org.freedesktop.systemd1.manage-units', { unit: 'gpsd.service', verb: 'stop' }), 'NOT_HANDLED');
  assert.equal(polkitVerdict('dashcam', 'org.freedesktop.systemd1.manage-units', { unit: 'poweroff.target', verb: 'stop' }), 'NOT_HANDLED');
});

test('the config template is a valid config for the current schema', () => {
  const config = loadConfig({ file: join(ROOT, 'deploy', 'config.example.json'), env: {} });
  assert.equal(config.simulate, false);
  assert.equal(config.gps.driver, 'gpsd');
  assert.equal(config.dataDir, '/var/lib/dashcamd');
});

test('make deploy, logs and status refuse to run without PI', () => {
  for (const target of ['deploy', 'logs', 'status']) {
    const r = spawnSync('make', ['--no-print-directory', '-C', ROOT, target, 'PI='], { encoding: 'utf8' });
    assert.equal(r.status, 2, `${target}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, new RegExp(`PI is not set.*make ${target} PI=`));
    assert.doesNotMatch(r.stdout, /tsc|ssh|rsync/);
  }
});
