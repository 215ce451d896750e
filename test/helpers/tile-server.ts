/**
 * A local tile server for tests (127.0.0.1, port 0): deterministic PNG tiles
 * per z/x/y, optional latency, and scripted faults per tile and attempt.
 * Going "offline" closes the listener and every connection; "online" listens
 * again on the same port.
 */
import http from 'node:http';
import { createHash } from 'node:crypto';
import type { AddressInfo, Socket } from 'node:net';
import { syntheticTile } from '../../geodata/image.js';

export type Fault =
  | { kind: 'status'; status: number; retryAfter?: string; body?: string }
  | { kind: 'reset' }
  | { kind: 'truncate' }
  | { kind: 'stall' }
  /** Accepts the request and never answers (a network that silently drops everything). */
  | { kind: 'blackhole' }
  | { kind: 'html200' };

export interface TileServerOptions {
  latencyMs?: number;
  /** No body cache and no request log, so memory stays flat over huge benchmark jobs. */
  memoryless?: boolean;
  /** No request log (benchmarks with a warm body cache: the log would only cost the server time). */
  unlogged?: boolean;
  /** Fault for the n-th request (0-based) of a tile "z/x/y", or null to serve it. */
  fault?: (key: string, attempt: number) => Fault | null;
}

export class TileServer {
  readonly requests: Array<{ key: string; userAgent: string; served: boolean }> = [];
  private readonly attempts = new Map<string, number>();
  private readonly cache = new Map<string, Buffer>();
  private readonly etags = new WeakMap<Buffer, string>();
  private readonly sockets = new Set<Socket>();
  private server: http.Server | null = null;
  /** Tiles ("z/x/y") whose content changed at the source: served with another body and ETag. */
  readonly changed = new Set<string>();
  port = 0;
  /** How many 304s were sent. */
  notModified = 0;

  constructor(public opts: TileServerOptions = {}) {}

  get template(): string {
    return `http://127.0.0.1:${this.port}/{z}/{x}/{y}.png`;
  }

  /** The exact body served for a tile. */
  body(z: number, x: number, y: number): Buffer {
    const k = this.changed.has(`${z}/${x}/${y}`) ? `${z}/${x}/${y}/v2` : `${z}/${x}/${y}`;
    let b = this.cache.get(k);
    if (!b) {
      b = k.endsWith('/v2') ? syntheticTile(z, x, y, 32) : syntheticTile(z, x, y);
      if (!this.opts.memoryless) this.cache.set(k, b);
    }
    return b;
  }

  /** A strong ETag per body, computed once per cached body. */
  private etag(body: Buffer): string {
    let e = this.etags.get(body);
    if (e === undefined) {
      e = `"${createHash('sha1').update(body).digest('hex')}"`;
      this.etags.set(body, e);
    }
    return e;
  }

  attemptsFor(key: string): number {
    return this.attempts.get(key) ?? 0;
  }

  async start(port = 0): Promise<this> {
    const server = http.createServer((req, res) => void this.handle(req, res));
    server.keepAliveTimeout = 30_000;
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this;
  }

  /** Stops listening and drops every connection (the network "goes away"). */
  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    for (const sock of this.sockets) sock.destroy();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const m = /^\/(\d+)\/(\d+)\/(\d+)\.png$/.exec(req.url ?? '');
    if (!m) {
      res.writeHead(400).end();
      return;
    }
    const [z, x, y] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const key = `${z}/${x}/${y}`;
    const attempt = this.attempts.get(key) ?? 0;
    const fault = this.opts.fault?.(key, attempt) ?? null;
    if (!this.opts.memoryless && !this.opts.unlogged) {
      this.attempts.set(key, attempt + 1);
      this.requests.push({ key, userAgent: String(req.headers['user-agent'] ?? ''), served: fault === null });
    }
    if (this.opts.latencyMs) await new Promise((r) => setTimeout(r, this.opts.latencyMs));
    const body = this.body(z, x, y);
    if (!fault) {
      // Validators for refresh tests: a strong ETag per body; 304 when it matches.
      const etag = this.etag(body);
      if (req.headers['if-none-match'] === etag) {
        this.notModified++;
        res.writeHead(304, { etag }).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': body.length, etag, 'last-modified': 'Tue, 01 Dec 2026 00:00:00 GMT' });
      res.end(body);
      return;
    }
    switch (fault.kind) {
      case 'status': {
        const headers: Record<string, string> = { 'content-type': 'text/html' };
        if (fault.retryAfter !== undefined) headers['retry-after'] = fault.retryAfter;
        res.writeHead(fault.status, headers);
        res.end(fault.body ?? `<html>${fault.status}</html>`);
        return;
      }
      case 'reset':
        req.socket.resetAndDestroy();
        return;
      case 'truncate':
        res.writeHead(200, { 'content-type': 'image/png', 'content-length': body.length });
        res.write(body.subarray(0, Math.floor(body.length / 2)), () => req.socket.destroy());
        return;
      case 'stall':
        res.writeHead(200, { 'content-type': 'image/png', 'content-length': body.length });
        res.write(body.subarray(0, 10)); // then nothing: the client's idle timer must fire
        return;
      case 'blackhole':
        return;
      case 'html200':
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html><body>Service temporarily unavailable</body></html>');
        return;
    }
  }
}
