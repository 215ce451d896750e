import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SafeShutdown, ShutdownHooks, resolveShutdownCommand } from '../daemon/safe-shutdown.js';
import { StateStore } from '../daemon/state.js';
import type { EventMessage } from '../daemon/protocol.js';
import { recordingLogger, tempDir } from './helpers/daemon.js';

async function setup(command: (file: string) => string[] | null, hookTimeoutMs = 5000) {
  const file = join(await tempDir('dashcamd-shutdown-'), 'trace');
  const store = new StateStore();
  const events: EventMessage[] = [];
  store.onMessage((m) => void (m.type === 'event' && events.push(m)));
  const hooks = new ShutdownHooks();
  const { log, lines } = recordingLogger();
  const shutdown = new SafeShutdown({ command: command(file), hookTimeoutMs }, hooks, store, log);
  const trace = (): string[] => {
    try {
      return readFileSync(file, 'utf8').split('\n').filter(Boolean);
    } catch {
      return [];
    }
  };
  return { file, store, events, hooks, shutdown, lines, trace };
}

const appendCommand = (file: string) => ['sh', '-c', `echo poweroff >> "${file}"`];

test('triggers from the button and the ignition together run the hooks and the command exactly once', async () => {
  const s = await setup(appendCommand);
  s.hooks.register('jobs', () => appendFileSync(s.file, 'persist jobs\n'));
  s.hooks.register('db', async () => appendFileSync(s.file, 'flush db\n'));
  const started: string[] = [];
  s.shutdown.onStart((reason) => started.push(reason));
  const results = await Promise.all([
    s.shutdown.trigger('button long press'),
    s.shutdown.trigger('ignition off'),
    s.shutdown.trigger('button long press'),
  ]);
  await s.shutdown.trigger('ignition off');
  assert.deepEqual(s.trace(), ['persist jobs', 'flush db', 'poweroff']);
  assert.deepEqual(started, ['button long press']);
  assert.equal(results[0], results[1]);
  assert.deepEqual(results[0], { reason: 'button long press', hooks: { ok: ['jobs', 'db'], failed: [] }, exitCode: 0, commandRan: true });
  assert.deepEqual(s.events.map((e) => [e.topic, e.name, e.data.reason]), [['events', 'shutdown', 'button long press']]);
});

test('a failing hook and a hanging hook are logged and the machine still powers off', async () => {
  const s = await setup(appendCommand, 200);
  s.hooks.register('broken', () => {
    throw new Error('disk on fire');
  });
  s.hooks.register('hangs', () => new Promise<void>(() => undefined));
  s.hooks.register('fine', () => appendFileSync(s.file, 'fine\n'));
  const out = await s.shutdown.trigger('ignition off');
  assert.deepEqual(out.hooks, { ok: ['fine'], failed: ['broken', 'hangs'] });
  assert.deepEqual(s.trace(), ['fine', 'poweroff']);
  const failures = s.lines.filter((l) => l.msg === 'shutdown hook failed; continuing').map((l) => l.hook);
  assert.deepEqual(failures, ['broken', 'hangs']);
});

test('without a command (simulation) the hooks run and the shutdown is only logged', async () => {
  const s = await setup(() => null);
  s.hooks.register('db', () => appendFileSync(s.file, 'flush db\n'));
  const out = await s.shutdown.trigger('button long press');
  assert.equal(out.commandRan, false);
  assert.deepEqual(s.trace(), ['flush db']);
  assert.ok(s.lines.some((l) => /no power-off command in simulation/.test(l.msg)));
});

test('a command that fails reports its exit code and is logged as an error', async () => {
  const s = await setup(() => ['sh', '-c', 'echo nope >&2; exit 3']);
  const out = await s.shutdown.trigger('button long press');
  assert.equal(out.exitCode, 3);
  const err = s.lines.find((l) => l.msg === 'power-off command failed');
  assert.ok(err);
  assert.match(String(err.stderr), /nope/);
});

test('a hook can be unregistered, and a name cannot be registered twice', () => {
  const hooks = new ShutdownHooks();
  const off = hooks.register('jobs', () => undefined);
  assert.throws(() => hooks.register('jobs', () => undefined), /already registered/);
  off();
  assert.deepEqual(hooks.names, []);
});

test('the default command is systemctl poweroff on hardware and none in simulation unless configured', () => {
  assert.deepEqual(resolveShutdownCommand(undefined, false), ['systemctl', 'poweroff']);
  assert.equal(resolveShutdownCommand(undefined, true), null);
  assert.deepEqual(resolveShutdownCommand(['true'], true), ['true']);
});
