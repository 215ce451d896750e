/**
 * Simulation mode's tile source: a tiny HTTP server on 127.0.0.1 (a free
 * port) that draws deterministic PNG tiles, so a newcomer can start a
 * download from the phone and watch it run without any network or provider.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../daemon/logger.js';
import { syntheticTile } from './image.js';
import { sourceSchema, type SourceSpec } from './job-spec.js';

export const SYNTHETIC_SOURCE_NAME = 'synthetic';

export class SyntheticTileSource {
  private server: http.Server | null = null;
  private spec: SourceSpec | null = null;

  constructor(
    private readonly log: Logger,
    private readonly opts: { latencyMs: number; tileSize: number } = { latencyMs: 20, tileSize: 256 },
  ) {}

  /** The source to offer jobs, once listening. */
  get source(): SourceSpec | null {
    return this.spec;
  }

  async start(): Promise<void> {
    const server = http.createServer((req, res) => {
      const m = /^\/(\d+)\/(\d+)\/(\d+)\.png$/.exec(req.url ?? '');
      if (!m || req.method !== 'GET') {
        res.writeHead(404).end();
        return;
      }
      const body = syntheticTile(Number(m[1]), Number(m[2]), Number(m[3]), this.opts.tileSize);
      setTimeout(() => res.writeHead(200, { 'content-type': 'image/png', 'content-length': body.length }).end(body), this.opts.latencyMs);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    const { port } = server.address() as AddressInfo;
    this.spec = sourceSchema.parse({
      name: SYNTHETIC_SOURCE_NAME,
      url: `http://127.0.0.1:${port}/{z}/{x}/{y}.png`,
      attribution: 'synthetic tiles (simulation mode)',
      maxConnections: 4,
      maxRequestsPerSecond: 50,
    });
    this.log.info({ url: this.spec.url }, 'synthetic tile source listening');
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    this.spec = null;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
