/**
 * A bench server child: `node --import tsx bench/server.ts channel|ws|uws`.
 *
 * - channel: the real daemon (createDaemon, simulated GPS and GPIO), with a
 *   publisher that calls store.setKey('downloads', ...) at the asked rate; the
 *   channel turns each call into a delta for every client.
 * - ws: a plain `ws` WebSocketServer sending the same delta text to every client.
 * - uws: the bare uWS send loop, uWS loaded through daemon/uws.ts as the daemon does.
 *
 * Talks to bench/run.ts over the IPC channel (bench/lib/ipc.ts).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { pino } from 'pino';
import { WebSocketServer, type WebSocket as WsSocket } from 'ws';
import { loadConfig } from '../daemon/config/load.js';
import { createDaemon } from '../daemon/main.js';
import { loadUws, type WebSocket as UwsSocket } from '../daemon/uws.js';
import { isToServer, type FromServer, type ServerKind, type ServerWindow } from './lib/ipc.js';
import { JOB_ID, progressDelta, progressJob } from './lib/payload.js';

interface BenchServer {
  port: number;
  implementation: string;
  clients(): number;
  /** Publishes progress step n to every client. */
  publish(n: number): void;
  close(): Promise<void>;
}

async function channelServer(): Promise<BenchServer> {
  const dir = await mkdtemp(join(tmpdir(), 'dashcamd-bench-'));
  const dataDir = join(dir, 'data');
  // An empty config file: defaults only, whatever /etc/dashcamd holds.
  const file = join(dir, 'config.json');
  await writeFile(file, '{}\n');
  const config = loadConfig({
    file,
    env: {},
    overrides: { simulate: true, dataDir, server: { host: '127.0.0.1', port: 0, maxClients: 1000 }, log: { level: 'warn' } },
  });
  // Warnings and errors only, to stderr: the steady state logs nothing.
  const log = pino({ level: 'warn' }, pino.destination(2));
  const daemon = createDaemon(config, log, {});
  const { url } = await daemon.start();
  const impl = daemon.implementation;
  return {
    port: Number(new URL(url).port),
    implementation: `dashcamd channel on uWS ${impl.kind} ${impl.version} (${impl.binary})`,
    clients: () => daemon.channel.clientCount,
    publish: (n) => daemon.store.setKey('downloads', JOB_ID, progressJob(n)),
    close: async () => {
      await daemon.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function wsServer(): Promise<BenchServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const address = wss.address();
  if (address === null || typeof address === 'string') throw new Error('ws is not bound to a TCP port');
  const { version } = createRequire(import.meta.url)('ws/package.json') as { version: string };
  return {
    port: address.port,
    implementation: `ws ${version}`,
    clients: () => wss.clients.size,
    publish: (n) => {
      const text = progressDelta(n);
      for (const ws of wss.clients as Set<WsSocket>) ws.send(text);
    },
    close: () =>
      new Promise((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        wss.close(() => resolve());
      }),
  };
}

async function uwsServer(): Promise<BenchServer> {
  const { uws, impl } = loadUws();
  const sockets = new Set<UwsSocket<object>>();
  const app = uws.App().ws<object>('/*', {
    idleTimeout: 0,
    open: (ws) => void sockets.add(ws),
    close: (ws) => void sockets.delete(ws),
  });
  const listenSocket = await new Promise<NonNullable<Parameters<Parameters<typeof app.listen>[2]>[0]>>((resolve, reject) =>
    app.listen('127.0.0.1', 0, (s) => (s ? resolve(s) : reject(new Error('uWS cannot listen')))),
  );
  return {
    port: uws.us_socket_local_port(listenSocket),
    implementation: `bare uWS ${impl.kind} ${impl.version}`,
    clients: () => sockets.size,
    publish: (n) => {
      const text = progressDelta(n);
      for (const ws of sockets) ws.send(text, false);
    },
    close: async () => {
      uws.us_listen_socket_close(listenSocket);
      for (const ws of [...sockets]) ws.close();
    },
  };
}

function send(msg: FromServer): void {
  process.send?.(msg);
}

async function main(kind: ServerKind): Promise<void> {
  const server = kind === 'channel' ? await channelServer() : kind === 'ws' ? await wsServer() : await uwsServer();
  let timer: NodeJS.Timeout | null = null;
  let step = 0;
  let ticks = 0;
  let cpu0 = process.cpuUsage();
  let wall0 = process.hrtime.bigint();

  process.on('message', (raw) => {
    if (!isToServer(raw)) return;
    if (raw.type === 'start') {
      ticks = 0;
      cpu0 = process.cpuUsage();
      wall0 = process.hrtime.bigint();
      send({ type: 'started' });
      if (raw.hz > 0) {
        // Ticks at half a period, then every period: a window of s seconds
        // holds exactly s * hz ticks, none racing its start or end.
        const period = 1000 / raw.hz;
        const tick = (): void => {
          server.publish(++step);
          ticks++;
        };
        timer = setTimeout(() => {
          tick();
          timer = setInterval(tick, period);
        }, period / 2);
      }
    } else if (raw.type === 'stop') {
      const cpu = process.cpuUsage(cpu0);
      const wallUs = Number(process.hrtime.bigint() - wall0) / 1000;
      // clearTimeout also clears an interval.
      if (timer) clearTimeout(timer);
      timer = null;
      const window: ServerWindow = {
        cpuUserUs: cpu.user,
        cpuSystemUs: cpu.system,
        wallUs,
        ticks,
        clients: server.clients(),
        rssBytes: process.memoryUsage.rss(),
      };
      send({ type: 'window', window });
    } else {
      void server.close().finally(() => process.exit(0));
    }
  });
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', kind, port: server.port, path: '/ws', implementation: server.implementation });
}

const kind = process.argv[2];
if (kind !== 'channel' && kind !== 'ws' && kind !== 'uws') {
  process.stderr.write('usage: bench/server.ts channel|ws|uws\n');
  process.exit(2);
}
main(kind).catch((err: unknown) => {
  process.stderr.write(`bench server ${kind}: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
