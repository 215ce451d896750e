/**
 * Probe: do outbound sends reset uWS's idle timer? The channel's heartbeat
 * design rests on the answer (daemon/channel.ts tracks inbound time itself).
 *
 * A bare uWS app (loaded through daemon/uws.ts; idleTimeout 8,
 * sendPingsAutomatically true) sends ~300 bytes every 250 ms to four clients:
 *   - paused:   raw socket that completes the handshake, then stops reading;
 *   - sigstop:  a python3 client that reads until it is stopped with SIGSTOP;
 *   - silent:   raw socket that keeps reading everything but never writes
 *               (so it never answers the pings);
 *   - control:  a `ws` client, which reads and answers pings with pongs.
 * It reports when uWS closed each one, in seconds after open. If the first
 * three close near 8 s while the server keeps sending, sends do not count as
 * activity; only inbound frames do.
 *
 * Run alone: `node --import tsx bench/uws-idle-probe.ts` (prints a table and,
 * with --json, one JSON line for bench/run.ts).
 */
import { spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { loadUws, type WebSocket as UwsSocket } from '../daemon/uws.js';
import { progressDelta } from './lib/payload.js';
import { formatTable, round, type BenchResult } from './lib/report.js';

const IDLE_TIMEOUT_S = 8;
const SEND_EVERY_MS = 250;
const GIVE_UP_S = 25;
const KINDS = ['paused', 'sigstop', 'silent', 'control'] as const;
type Kind = (typeof KINDS)[number];

interface Conn {
  openedAt: number;
  closedAfterS: number | null;
  code: number | null;
  reason: string | null;
  sends: { sent: number; buffered: number; dropped: number };
}

function handshake(port: number, path: string): string {
  return (
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`
  );
}

// Handshakes, then reads forever, until the parent stops it with SIGSTOP.
const PY_CLIENT = `
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(sys.argv[2].encode())
buf = b""
while b"\\r\\n\\r\\n" not in buf:
    buf += s.recv(4096)
print("open", flush=True)
while s.recv(65536):
    pass
`;

/** A raw client; with `read` false it stops reading right after the 101 response. Counts ping frames it reads. */
function rawClient(port: number, path: string, read: boolean): { socket: Socket; pings: () => number } {
  const socket = connect(port, '127.0.0.1', () => socket.write(handshake(port, path)));
  let buf = Buffer.alloc(0);
  let upgraded = false;
  let pings = 0;
  socket.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    if (!upgraded) {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      upgraded = true;
      buf = buf.subarray(end + 4);
      if (!read) return void socket.pause();
    }
    // Server frames are unmasked: opcode in byte 0, 7-bit or 16-bit length.
    while (buf.length >= 2) {
      const len7 = buf[1]! & 0x7f;
      const header = len7 === 126 ? 4 : len7 === 127 ? 10 : 2;
      if (buf.length < header) break;
      const len = len7 === 126 ? buf.readUInt16BE(2) : len7 === 127 ? Number(buf.readBigUInt64BE(2)) : len7;
      if (buf.length < header + len) break;
      if ((buf[0]! & 0x0f) === 0x9) pings++;
      buf = buf.subarray(header + len);
    }
  });
  socket.on('error', () => undefined);
  return { socket, pings: () => pings };
}

export async function uwsIdleProbe(): Promise<BenchResult> {
  const { uws, impl } = loadUws();
  const conns = new Map<Kind, Conn>();
  const sockets = new Map<Kind, UwsSocket<{ kind: Kind }>>();
  const t0 = Date.now();
  let tearingDown = false;
  const app = uws.App().ws<{ kind: Kind }>('/*', {
    idleTimeout: IDLE_TIMEOUT_S,
    sendPingsAutomatically: true,
    upgrade: (res, req, context) => {
      const kind = req.getUrl().slice(1) as Kind;
      res.upgrade({ kind }, req.getHeader('sec-websocket-key'), req.getHeader('sec-websocket-protocol'), req.getHeader('sec-websocket-extensions'), context);
    },
    open: (ws) => {
      const { kind } = ws.getUserData();
      sockets.set(kind, ws);
      conns.set(kind, { openedAt: Date.now(), closedAfterS: null, code: null, reason: null, sends: { sent: 0, buffered: 0, dropped: 0 } });
    },
    close: (ws, code, message) => {
      const { kind } = ws.getUserData();
      sockets.delete(kind);
      if (tearingDown) return; // our own clean-up, not uWS's verdict
      const c = conns.get(kind)!;
      c.closedAfterS = round((Date.now() - c.openedAt) / 1000, 2);
      c.code = code;
      c.reason = Buffer.from(message).toString();
    },
  });
  const listen = await new Promise<NonNullable<Parameters<Parameters<typeof app.listen>[2]>[0]>>((resolve, reject) =>
    app.listen('127.0.0.1', 0, (s) => (s ? resolve(s) : reject(new Error('uWS cannot listen')))),
  );
  const port = uws.us_socket_local_port(listen);
  let n = 0;
  const sender = setInterval(() => {
    const text = progressDelta(++n);
    for (const [kind, ws] of sockets) {
      const r = ws.send(text, false);
      const s = conns.get(kind)!.sends;
      if (r === 1) s.sent++;
      else if (r === 0) s.buffered++;
      else s.dropped++;
    }
  }, SEND_EVERY_MS);

  const paused = rawClient(port, '/paused', false);
  const silent = rawClient(port, '/silent', true);
  const control = new WebSocket(`ws://127.0.0.1:${port}/control`, { perMessageDeflate: false });
  control.on('error', () => undefined);
  const py = spawn('python3', ['-c', PY_CLIENT, String(port), handshake(port, '/sigstop')], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    py.stdout.once('data', () => resolve());
    py.once('exit', (code) => reject(new Error(`python3 client exited with ${code}`)));
  });
  py.kill('SIGSTOP');

  const probed: Kind[] = ['paused', 'sigstop', 'silent'];
  while ((Date.now() - t0) / 1000 < GIVE_UP_S && probed.some((k) => conns.get(k)?.closedAfterS == null)) await sleep(100);

  clearInterval(sender);
  const controlAliveS = round((Date.now() - (conns.get('control')?.openedAt ?? t0)) / 1000, 2);
  const controlOpen = conns.get('control')?.closedAfterS == null;
  tearingDown = true;
  py.kill('SIGCONT');
  py.kill('SIGKILL');
  paused.socket.destroy();
  silent.socket.destroy();
  control.terminate();
  uws.us_listen_socket_close(listen);
  for (const ws of [...sockets.values()]) ws.close();

  const figures = probed.map((k) => ({ label: `${k} client closed after`, value: conns.get(k)?.closedAfterS ?? NaN, unit: 's' }));
  figures.push({ label: 'control client (answers pings) still open after', value: controlOpen ? controlAliveS : NaN, unit: 's' });
  figures.push({ label: 'pings read by the silent client', value: silent.pings(), unit: '' });
  const resetBySends = probed.every((k) => conns.get(k)?.closedAfterS == null);
  return {
    name: 'uws-idle-probe',
    title: `uWS idleTimeout ${IDLE_TIMEOUT_S} s with sends every ${SEND_EVERY_MS} ms: do outbound sends reset the idle timer?`,
    figures,
    details: {
      implementation: `${impl.kind} ${impl.package} ${impl.version} (${impl.binary})`,
      idleTimeoutS: IDLE_TIMEOUT_S,
      sendEveryMs: SEND_EVERY_MS,
      connections: Object.fromEntries(conns),
      controlStillOpen: controlOpen,
      conclusion: resetBySends
        ? 'outbound sends kept idle peers open: they reset the idle timer'
        : 'idle peers were closed while the server kept sending: outbound sends do not reset the idle timer; only inbound frames do',
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  uwsIdleProbe().then(
    (r) => {
      if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify(r)}\n`);
      else process.stdout.write(`${r.title}\n${formatTable([r])}\n${String(r.details.conclusion)}\n`);
      process.exit(0);
    },
    (err: unknown) => {
      process.stderr.write(`uws-idle-probe: ${(err as Error).stack ?? String(err)}\n`);
      process.exit(1);
    },
  );
}
