/**
 * The built daemon under a stand-in for systemd: a python3 AF_UNIX datagram
 * socket at NOTIFY_SOCKET that prints every notification with its arrival time
 * and the sender's pid (SO_PASSCRED, what NotifyAccess=main checks).
 * Needs dist/ (make build) and python3.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CLI, spawnDaemon, tempDir, type Spawned } from './helpers/daemon.js';

const WATCHDOG_USEC = 400_000;
const BLOCK_MS = 1500;

const STAND_IN = `
import json, os, socket, struct, sys, time
path = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
s.bind(path)
print(json.dumps({"bound": path}), flush=True)
while True:
    data, anc, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(12))
    pid = None
    for level, kind, payload in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            pid = struct.unpack("iII", payload[:12])[0]
    print(json.dumps({"t": time.monotonic() * 1000, "pid": pid, "msg": data.decode()}), flush=True)
`;

interface Datagram {
  t: number;
  pid: number | null;
  msg: string;
}

interface Systemd {
  socket: string;
  datagrams: Datagram[];
  proc: ChildProcessWithoutNullStreams;
  waitFor(pred: (d: Datagram, all: Datagram[]) => boolean, what: string): Promise<Datagram>;
}

async function standInSystemd(): Promise<Systemd> {
  const socket = join(await tempDir('dashcamd-notify-'), 'notify.sock');
  const proc = spawn('python3', ['-u', '-c', STAND_IN, socket]);
  const datagrams: Datagram[] = [];
  const listeners = new Set<() => void>();
  let stderr = '';
  let buf = '';
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const bound = new Promise<void>((resolve, reject) => {
    proc.on('error', (err) => reject(new Error(`python3 cannot run (${err.message}): apt-get install python3`)));
    proc.on('exit', (code) => reject(new Error(`stand-in exited ${code}: ${stderr}`)));
    proc.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = JSON.parse(buf.slice(0, i)) as Datagram | { bound: string };
        buf = buf.slice(i + 1);
        if ('bound' in line) resolve();
        else datagrams.push(line);
        for (const l of [...listeners]) l();
      }
    });
  });
  await bound;
  const waitFor = (pred: (d: Datagram, all: Datagram[]) => boolean, what: string): Promise<Datagram> =>
    new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = datagrams.find((d) => pred(d, datagrams));
        if (found) {
          listeners.delete(onData);
          clearTimeout(timer);
          resolve(found);
        }
        return Boolean(found);
      };
      const onData = (): void => void check();
      const timer = setTimeout(() => {
        listeners.delete(onData);
        reject(new Error(`no datagram: ${what}; got ${JSON.stringify(datagrams.map((d) => d.msg))}`));
      }, 20_000);
      listeners.add(onData);
      check();
    });
  return { socket, datagrams, proc, waitFor };
}

const isWatchdog = (d: Datagram): boolean => d.msg === 'WATCHDOG=1';

function startDaemon(sd: Systemd, dataDir: string): Spawned {
  assert.ok(existsSync(CLI), 'dist/ is missing: run make build first (make test does)');
  return spawnDaemon(['run', '--simulate', '--listen', '127.0.0.1:0', '--data-dir', dataDir], {
    NOTIFY_SOCKET: sd.socket,
    WATCHDOG_USEC: String(WATCHDOG_USEC),
    DASHCAMD_DEBUG__TEST_HOOKS: '1',
  });
}

test('under systemd the daemon notifies READY once listening, pings the watchdog from its main loop and says STOPPING on SIGTERM', async (t) => {
  const sd = await standInSystemd();
  const dataDir = await tempDir();
  const daemon = startDaemon(sd, dataDir);
  t.after(() => {
    daemon.proc.kill('SIGKILL');
    sd.proc.kill('SIGKILL');
    for (const dir of [dataDir, dirname(sd.socket)]) rmSync(dir, { recursive: true, force: true });
  });

  // READY=1 comes from the daemon's own pid once the port accepts connections.
  const ready = await sd.waitFor((d) => d.msg.split('\n').includes('READY=1'), 'READY=1');
  assert.equal(sd.datagrams.indexOf(ready), 0, 'READY=1 is the first notification');
  assert.equal(ready.pid, daemon.proc.pid);
  assert.match(ready.msg, new RegExp(`^MAINPID=${daemon.proc.pid}$`, 'm'));
  const url = /^STATUS=listening on (\S+)$/m.exec(ready.msg)?.[1];
  assert.ok(url, ready.msg);
  const health = await fetch(new URL('/api/health', url));
  assert.equal(health.status, 200);

  // Pings keep coming, every one from the main pid.
  await sd.waitFor((_, all) => all.filter(isWatchdog).length >= 5, 'five WATCHDOG=1');
  assert.ok(sd.datagrams.filter(isWatchdog).every((d) => d.pid === daemon.proc.pid));

  // A blocked main loop sends nothing: the gap exceeds WATCHDOG_USEC, so
  // systemd would kill and restart the daemon. Pings resume afterwards.
  const before = sd.datagrams.length;
  const blocked = await fetch(new URL('/api/debug/block', url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ms: BLOCK_MS }),
  });
  assert.equal(blocked.status, 200, await blocked.clone().text());
  assert.deepEqual(await blocked.json(), { blockedMs: BLOCK_MS });
  const after = await sd.waitFor((d, all) => isWatchdog(d) && all.indexOf(d) > before + 1, 'pings after the block');
  const window = sd.datagrams.slice(Math.max(0, before - 1), sd.datagrams.indexOf(after) + 1).filter(isWatchdog);
  const gaps = window.slice(1).map((d, i) => d.t - window[i]!.t);
  const longest = Math.max(...gaps);
  t.diagnostic(`longest gap between WATCHDOG=1 around a ${BLOCK_MS} ms block: ${longest.toFixed(0)} ms`);
  assert.ok(longest > WATCHDOG_USEC / 1000, `longest gap between pings ${longest.toFixed(0)} ms`);

  // SIGTERM: STOPPING=1, no ping after it, clean exit.
  daemon.proc.kill('SIGTERM');
  const stopping = await sd.waitFor((d) => d.msg === 'STOPPING=1', 'STOPPING=1');
  assert.deepEqual(await daemon.exit, { code: 0, signal: null });
  const rest = sd.datagrams.slice(sd.datagrams.indexOf(stopping) + 1);
  assert.deepEqual(rest.filter(isWatchdog), [], 'no WATCHDOG=1 after STOPPING=1');
  assert.equal(stopping.pid, daemon.proc.pid);
});
