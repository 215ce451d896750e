/**
 * Serves tiles from job files, finished or still downloading:
 * GET /tiles/{tileset}/{z}/{x}/{y}.{ext}. Readers are opened lazily and
 * dropped when their job disappears. Tiles of a finished job are cached by
 * the browser for a week; those of a running job must be revalidated
 * (ETag = SHA-1 of the body, so a 304 costs no body).
 */
import { readHeaders } from '../daemon/http.js';
import type { HttpResponse, HttpRequest, TemplatedApp } from '../daemon/uws.js';
import type { Logger } from '../daemon/logger.js';
import { MbtilesReader, tileId } from './mbtiles.js';
import type { Tileset } from './job-view.js';

const CONTENT_TYPE = { png: 'image/png', jpg: 'image/jpeg', webp: 'image/webp' } as const;

export class TileService {
  private readonly readers = new Map<string, MbtilesReader>();

  constructor(
    private readonly tilesets: () => Tileset[],
    private readonly authorize: (headers: Record<string, string>, query: URLSearchParams) => boolean,
    private readonly log: Logger,
  ) {}

  register(app: TemplatedApp): void {
    app.get('/tiles/:tileset/:z/:x/:file', (res, req) => this.handle(res, req));
  }

  stop(): void {
    for (const r of this.readers.values()) r.close();
    this.readers.clear();
  }

  private handle(res: HttpResponse, req: HttpRequest): void {
    const text = (status: string, body: string): void => void res.writeStatus(status).writeHeader('Content-Type', 'text/plain; charset=utf-8').end(body);
    if (!this.authorize(readHeaders(req), new URLSearchParams(req.getQuery() ?? ''))) return text('401 Unauthorized', 'missing or wrong token');
    const id = req.getParameter(0) ?? '';
    const z = Number(req.getParameter(1));
    const x = Number(req.getParameter(2));
    const m = /^(\d+)\.(png|jpg|jpeg|webp)$/.exec(req.getParameter(3) ?? '');
    const y = m ? Number(m[1]) : NaN;
    const n = 2 ** z;
    if (!m || !Number.isInteger(z) || z < 0 || z > 22 || !Number.isInteger(x) || x < 0 || x >= n || y >= n) return text('400 Bad Request', 'expected /tiles/{tileset}/{z}/{x}/{y}.{ext}');
    const sets = this.tilesets();
    const set = sets.find((t) => t.id === id);
    const reader = set ? this.reader(set, sets) : null;
    if (!set || !reader) return text('404 Not Found', 'no such tileset');
    let data: Buffer | null;
    try {
      data = reader.tile(z, x, y);
    } catch (err) {
      this.log.warn({ err, tileset: id }, 'cannot read tile');
      return text('500 Internal Server Error', 'cannot read tile');
    }
    if (!data) return text('404 Not Found', 'no such tile');
    const etag = `"${tileId(data)}"`;
    const cache = set.state === 'done' ? 'public, max-age=604800' : 'no-cache';
    if (req.getHeader('if-none-match') === etag) {
      res.writeStatus('304 Not Modified').writeHeader('ETag', etag).writeHeader('Cache-Control', cache).endWithoutBody();
      return;
    }
    res.writeStatus('200 OK').writeHeader('Content-Type', CONTENT_TYPE[set.format]).writeHeader('ETag', etag).writeHeader('Cache-Control', cache).end(data);
  }

  private reader(set: Tileset, all: Tileset[]): MbtilesReader | null {
    // Forget readers of jobs that are gone (deleted files keep their inode open otherwise).
    const live = new Set(all.map((t) => t.id));
    for (const [id, r] of this.readers) if (!live.has(id)) (r.close(), this.readers.delete(id));
    let r = this.readers.get(set.id);
    if (!r) {
      try {
        r = new MbtilesReader(set.file);
      } catch {
        return null;
      }
      this.readers.set(set.id, r);
    }
    return r;
  }
}
