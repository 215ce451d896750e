/**
 * A stand-in daemon for browser tests of the UI itself: serves the built
 * web/dist and a `/ws` endpoint on 127.0.0.1 that sends exactly what a test
 * tells it, and records what the page sends. /api answers 404 "no route",
 * like a daemon without those features.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { emptyState, type DaemonState, type GpsFix, type HelloMessage, type ServerMessage } from '../../daemon/protocol.js';
import { ROOT } from './daemon.js';

const DIST = join(ROOT, 'web', 'dist');
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.png': 'image/png' };

export const HELLO: HelloMessage = {
  type: 'hello', protocol: 1, server: { name: 'dashcamd', version: 'test' },
  heartbeat: { pingIntervalMs: 15_000, deadAfterMs: 25_000 }, features: ['resync', 'serverTextPings', 'coalescing'],
};

export function fixAt(lat: number, lon: number): GpsFix {
  return {
    time: new Date().toISOString(), lat, lon, altitude: null, speed: 10, track: 90, climb: null, mode: '3d',
    hdop: 1, errorM: 5, satellitesUsed: 8, satellitesVisible: 10,
  };
}

export function stateAt(lat: number, lon: number): DaemonState {
  const s = emptyState();
  s.gps = { source: 'simulated', connected: true, fix: fixAt(lat, lon), lastFixAt: Date.now(), stale: false };
  return s;
}

export interface PageSocket {
  ws: WebSocket;
  /** Texts the page sent on this socket. */
  received: string[];
}

export class ScriptedDaemon {
  /** Every socket the page opened, newest last. */
  sockets: PageSocket[] = [];
  /** While set, every new socket is closed at once (a daemon that is not there yet). */
  refuse = false;
  base = '';
  private http: Server | null = null;
  private wss: WebSocketServer | null = null;

  async start(): Promise<this> {
    const http = createServer((req, res) => {
      const path = normalize(new URL(req.url ?? '/', 'http://x').pathname);
      if (path.startsWith('/api/')) {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'NOT_FOUND', message: `no route for GET ${path}` } }));
        return;
      }
      const file = path.startsWith('/assets/') ? join(DIST, path) : join(DIST, 'index.html');
      readFile(file).then(
        (body) => res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body),
        () => res.writeHead(404).end(),
      );
    });
    const wss = new WebSocketServer({ server: http, path: '/ws' });
    wss.on('connection', (ws) => {
      if (this.refuse) return ws.terminate();
      const entry: PageSocket = { ws, received: [] };
      ws.on('message', (d) => entry.received.push(d.toString()));
      this.sockets.push(entry);
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    this.http = http;
    this.wss = wss;
    this.base = `http://127.0.0.1:${(http.address() as AddressInfo).port}/`;
    return this;
  }

  current(): PageSocket {
    const s = this.sockets[this.sockets.length - 1];
    if (!s) throw new Error('the page has not connected');
    return s;
  }

  send(msg: ServerMessage | string): void {
    this.current().ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  /** Drops every socket and forgets them. */
  reset(): void {
    this.refuse = false;
    for (const s of this.sockets) s.ws.terminate();
    this.sockets = [];
  }

  async stop(): Promise<void> {
    for (const c of this.wss?.clients ?? []) c.terminate();
    this.wss?.close();
    await new Promise((resolve) => (this.http ? this.http.close(resolve) : resolve(undefined)));
  }
}
