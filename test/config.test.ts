/** Config: one schema, defaults for everything, env overrides, readable errors, frozen result. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadConfig, ConfigError } from '../daemon/config/load.js';
import { envFields } from '../daemon/config/env.js';
import { Channel } from '../daemon/channel.js';
import { tempDir } from './helpers/daemon.js';

test('no file gives a complete default config', () => {
  const c = loadConfig({ file: null, env: {} });
  assert.equal(c.server.port, 8080);
  assert.equal(c.heartbeat.deadAfterMs, 20_000);
  assert.ok(c.heartbeat.deadAfterMs <= 20_000, 'default deadAfter is at most 20 s');
  assert.equal(c.dataDir, '/var/lib/dashcamd');
  assert.equal(c.configFile, null);
});

test('STATE_DIRECTORY sets the data directory unless the config names one', async () => {
  assert.equal(loadConfig({ file: null, env: { STATE_DIRECTORY: '/var/lib/dashcamd-x' } }).dataDir, '/var/lib/dashcamd-x');
  const dir = await tempDir();
  const file = join(dir, 'c.json');
  await writeFile(file, JSON.stringify({ dataDir: '/srv/cam' }));
  assert.equal(loadConfig({ file, env: { STATE_DIRECTORY: '/var/lib/dashcamd-x' } }).dataDir, '/srv/cam');
});

test('file < environment < command line, and every leaf has an environment name', async () => {
  const dir = await tempDir();
  const file = join(dir, 'c.json');
  await writeFile(file, JSON.stringify({ server: { port: 1000, host: '127.0.0.1' }, log: { level: 'warn' } }));
  const c = loadConfig({ file, env: { DASHCAMD_SERVER__PORT: '2000', DASHCAMD_LOG__LEVEL: 'debug' }, overrides: { server: { port: 3000 } } });
  assert.equal(c.server.port, 3000);
  assert.equal(c.server.host, '127.0.0.1');
  assert.equal(c.log.level, 'debug');
  const names = envFields().map((f) => f.name);
  assert.ok(names.includes('DASHCAMD_HEARTBEAT__DEAD_AFTER_MS'));
  assert.ok(names.includes('DASHCAMD_SERVER__ALLOWED_ORIGINS'));
  assert.equal(new Set(names).size, names.length);
});

test('every problem is listed as path: message, with the environment variable when it came from one', () => {
  let err: unknown;
  try {
    loadConfig({ file: null, env: { DASHCAMD_HEARTBEAT__PING_INTERVAL_MS: 'often' }, overrides: { backpressure: { softLimitBytes: 2e6 }, typo: 1 } });
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof ConfigError);
  assert.ok(err.problems.some((p) => /^heartbeat\.pingIntervalMs: .* \(from DASHCAMD_HEARTBEAT__PING_INTERVAL_MS\)$/.test(p)), err.problems.join('\n'));
  assert.ok(err.problems.includes('backpressure.softLimitBytes: softLimitBytes must be smaller than hardLimitBytes'));
  assert.ok(err.problems.includes('typo: unknown field'));
});

test('the loaded config is frozen', () => {
  const c = loadConfig({ file: null, env: {} });
  assert.throws(() => {
    (c.server as { port: number }).port = 1;
  }, TypeError);
});

test('every accepted deadAfter maps to a uWS idleTimeout that uWS accepts (8..960 s)', () => {
  for (const ms of [500, 1500, 8000, 20_000, 60_000]) {
    const s = Channel.idleTimeoutFor(ms);
    assert.ok(Number.isInteger(s) && s >= 8 && s <= 960 && s * 1000 > ms, `${ms} -> ${s}`);
  }
});

test('a nullable field can be set to null from the environment', () => {
  const field = envFields().find((f) => f.nullable);
  assert.ok(field, 'the schema has nullable fields (GPIO pins)');
  const env = { [field.name]: 'null' };
  const c = loadConfig({ file: null, env }) as unknown as Record<string, unknown>;
  const value = field.path.reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], c);
  assert.equal(value, null);
});
