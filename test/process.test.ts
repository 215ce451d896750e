/**
 * The daemon as systemd runs it: a real process from dist/, its exit codes,
 * signals and log lines.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { spawnDaemon, tempDir, CLI } from './helpers/daemon.js';
import { TestClient } from './helpers/ws-client.js';

test('--listen 127.0.0.1:0 logs the bound URL, and SIGTERM closes clients with 1001 and exits 0', async () => {
  const dir = await tempDir();
  const d = spawnDaemon(['run', '--simulate', '--listen', '127.0.0.1:0', '--data-dir', dir]);
  const url = await d.url;
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  const wsUrl = url.replace('http', 'ws') + 'ws';
  const clients = [new TestClient(wsUrl), new TestClient(wsUrl)];
  await Promise.all(clients.map((c) => c.until(() => c.state !== null, 5000, 'snapshot')));
  d.proc.kill('SIGTERM');
  for (const c of clients) assert.equal((await c.closed).code, 1001);
  assert.deepEqual(await d.exit, { code: 0, signal: null });
  assert.ok(d.lines.some((l) => l.msg === 'stopped'), 'logs were flushed before exit');
});

test('start-up logs which uWebSockets.js implementation is active, and health shows it', async () => {
  const d = spawnDaemon(['run', '--simulate', '--listen', '127.0.0.1:0', '--data-dir', await tempDir()]);
  try {
    const url = await d.url;
    const line = await d.waitForLine((l) => typeof l.msg === 'string' && l.msg.startsWith('uWebSockets.js'));
    assert.equal((line.websocket as { kind: string }).kind, 'native');
    const health = (await (await fetch(`${url}api/health`)).json()) as { websocket: { kind: string; version: string; binary: string } };
    assert.equal(health.websocket.kind, 'native');
    assert.match(health.websocket.binary, /^uws_linux_\w+_\d+\.node$/);
  } finally {
    d.proc.kill('SIGTERM');
    await d.exit;
  }
});

test('a bad config file exits 78 and names the field and the reason', async () => {
  const dir = await tempDir();
  const file = join(dir, 'config.json');
  await writeFile(file, JSON.stringify({ server: { port: 'eighty' }, heartbeat: { deadAfterMs: 100 }, colour: 'red' }));
  const d = spawnDaemon(['run', '--config', file]);
  const exit = await d.exit;
  assert.equal(exit.code, 78);
  const err = d.stderr.join('');
  assert.match(err, /server\.port: .*expected number/);
  assert.match(err, /heartbeat\.deadAfterMs: .*>=500/);
  assert.match(err, /colour: unknown field/);
  assert.match(err, new RegExp(file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
});

test('a config file that is not JSON, or a missing explicit one, exits 78', async () => {
  const dir = await tempDir();
  const file = join(dir, 'broken.json');
  await writeFile(file, '{ "server": ');
  const broken = spawnDaemon(['run', '--config', file]);
  assert.equal((await broken.exit).code, 78);
  assert.match(broken.stderr.join(''), /not valid JSON/);
  const missing = spawnDaemon(['run', '--config', join(dir, 'nope.json')]);
  assert.equal((await missing.exit).code, 78);
  assert.match(missing.stderr.join(''), /cannot read: ENOENT/);
});

test('a bad environment override exits 78 naming the field', async () => {
  const d = spawnDaemon(['run', '--simulate'], { DASHCAMD_SERVER__PORT: '99999' });
  assert.equal((await d.exit).code, 78);
  assert.match(d.stderr.join(''), /server\.port: /);
});

test('when only the JS fallback of uWS would run, the daemon refuses to serve and says why', async () => {
  const d = spawnDaemon(['run', '--simulate', '--listen', '127.0.0.1:0', '--data-dir', await tempDir()], { UWS_USE_FALLBACK: '1' });
  assert.equal((await d.exit).code, 78);
  assert.match(d.stderr.join(''), /native build unavailable \(UWS_USE_FALLBACK is set\)/);
  const fatal = d.lines.find((l) => l.level === 60);
  assert.equal((fatal?.websocket as { kind: string } | undefined)?.kind, 'fallback');
});

test('--help and --version print and exit 0; a wrong option exits 2', () => {
  const help = spawnSync(process.execPath, [CLI, '--help'], { encoding: 'utf8' });
  assert.equal(help.status, 0);
  assert.match(help.stdout, /dashcamd run \[options\]/);
  const version = spawnSync(process.execPath, [CLI, '--version'], { encoding: 'utf8' });
  assert.equal(version.status, 0);
  assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
  const bad = spawnSync(process.execPath, [CLI, 'run', '--listen', 'nowhere'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--listen must be HOST:PORT/);
});

test('under journald (JOURNAL_STREAM set) every line carries its syslog priority prefix', async () => {
  const d = spawnDaemon(['run', '--simulate', '--listen', '127.0.0.1:0', '--data-dir', await tempDir()], { JOURNAL_STREAM: '8:1234' });
  const raw: string[] = [];
  d.proc.stdout.on('data', (b: Buffer) => raw.push(b.toString()));
  await d.url;
  d.proc.kill('SIGTERM');
  await d.exit;
  const lines = raw.join('').split('\n').filter(Boolean);
  assert.ok(lines.length > 0);
  for (const line of lines) {
    const m = /^<(\d)>(\{.*\})$/.exec(line);
    assert.ok(m, `line without priority prefix: ${line}`);
    const level = (JSON.parse(m[2]!) as { level: number }).level;
    assert.equal(Number(m[1]), level >= 50 ? 3 : level >= 40 ? 4 : level >= 30 ? 6 : 7);
  }
});
