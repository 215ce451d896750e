/**
 * Serves the phone UI's built files. They are read into memory at start-up
 * (a few hundred KB), so a request can only ever get a file that exists under
 * webRoot: no path from a request is ever given to the filesystem, which rules
 * out traversal. Unknown paths without an extension get index.html (client-side
 * routes); anything else is a 404.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';
import type { HttpRequest, HttpResponse } from './uws.js';
import type { Logger } from './logger.js';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

interface StaticFile {
  body: Buffer;
  type: string;
  etag: string;
  cache: string;
}

const MAX_TOTAL_BYTES = 32 * 1024 * 1024;

export class StaticFiles {
  private readonly files = new Map<string, StaticFile>();

  constructor(
    private readonly root: string,
    private readonly log: Logger,
  ) {}

  get count(): number {
    return this.files.size;
  }

  async start(): Promise<void> {
    let total = 0;
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        const full = join(dir, entry.name);
        if (entry.isDirectory()) await walk(full);
        else if (entry.isFile()) {
          total += (await stat(full)).size;
          if (total > MAX_TOTAL_BYTES) throw new Error(`web root ${this.root} is larger than ${MAX_TOTAL_BYTES} bytes`);
          this.add('/' + relative(this.root, full).split(sep).join('/'), await readFile(full));
        }
      }
    };
    try {
      await walk(this.root);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (!this.files.has('/index.html')) this.log.warn({ root: this.root }, 'phone UI not built (no index.html); run make build');
    this.log.debug({ root: this.root, files: this.files.size, bytes: total }, 'static files loaded');
  }

  private add(path: string, body: Buffer): void {
    const type = CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
    const etag = `"${createHash('sha1').update(body).digest('base64url').slice(0, 16)}"`;
    // Bundles under /assets/ carry a content hash in their name; everything else revalidates.
    const cache = path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
    this.files.set(path, { body, type, etag, cache });
  }

  /** Finds the file for a URL path, or null. */
  lookup(urlPath: string): StaticFile | null {
    let path: string;
    try {
      path = decodeURIComponent(urlPath);
    } catch {
      return null;
    }
    if (path === '/' || path === '') path = '/index.html';
    const hit = this.files.get(path);
    if (hit) return hit;
    if (!extname(path) && !path.startsWith('/api/')) return this.files.get('/index.html') ?? null;
    return null;
  }

  handle(res: HttpResponse, req: HttpRequest): void {
    const method = req.getMethod().toLowerCase();
    const file = this.lookup(req.getUrl());
    if (!file) {
      res.writeStatus('404 Not Found').writeHeader('Content-Type', 'text/plain; charset=utf-8').end('not found');
      return;
    }
    const common = (status: string): HttpResponse =>
      res
        .writeStatus(status)
        .writeHeader('ETag', file.etag)
        .writeHeader('Cache-Control', file.cache)
        .writeHeader('X-Content-Type-Options', 'nosniff');
    if (req.getHeader('if-none-match') === file.etag) {
      common('304 Not Modified').endWithoutBody();
      return;
    }
    common('200 OK').writeHeader('Content-Type', file.type);
    if (method === 'head') res.endWithoutBody(file.body.length);
    else res.end(file.body);
  }
}
