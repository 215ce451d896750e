/**
 * One HTTP GET per tile over keep-alive connections (node:http/https Agents
 * capped at the source's maxConnections). It never throws: every outcome is
 * classified so the downloader can decide between store, retry, wait for the
 * network, skip or stop. An idle timer covers connect, headers and stalls
 * mid-body alike; a body shorter than its Content-Length is "truncated".
 */
import http from 'node:http';
import https from 'node:https';

export type FetchResult =
  | { kind: 'ok'; body: Buffer; contentType: string; etag: string | null; lastModified: string | null }
  /** 304 to a conditional request: the stored tile is still current. */
  | { kind: 'notModified'; etag: string | null; lastModified: string | null }
  /** Any status other than 200 (the body is discarded). */
  | { kind: 'status'; status: number; retryAfterMs: number | null }
  /** Could not reach the host at all: the network (or the server) is down. */
  | { kind: 'offline'; reason: string }
  /**
   * Reset, timeout, stall or truncated body: worth retrying. `noResponse` when
   * not even a status line came back (a dead network looks like this too).
   */
  | { kind: 'transient'; reason: string; noResponse?: boolean }
  | { kind: 'aborted' };

export interface FetcherOptions {
  userAgent: string;
  headers: Record<string, string>;
  maxConnections: number;
  /** No byte for this long (connecting, waiting for headers, or mid-body) aborts the request. */
  idleTimeoutMs: number;
  maxBodyBytes: number;
}

/** Error codes that mean "no route to the server", as opposed to a failed transfer. */
const OFFLINE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'ENETDOWN', 'EADDRNOTAVAIL', 'ENONET']);

/** Parses Retry-After: delta seconds or an HTTP date. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

export class TileFetcher {
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  /** Built once: node:http copies request headers, so every request can share this object. */
  private readonly baseHeaders: Record<string, string>;

  constructor(private readonly opts: FetcherOptions) {
    this.baseHeaders = { 'user-agent': opts.userAgent, accept: 'image/png,image/jpeg,image/webp,image/*;q=0.8', ...opts.headers };
    const agentOpts = { keepAlive: true, maxSockets: opts.maxConnections, maxFreeSockets: opts.maxConnections, scheduling: 'lifo' as const };
    this.httpAgent = new http.Agent(agentOpts);
    this.httpsAgent = new https.Agent(agentOpts);
  }

  /** GET a tile; `conditional` adds If-None-Match / If-Modified-Since for a refresh. */
  get(url: string, signal?: AbortSignal, conditional?: { etag: string | null; lastModified: string | null }): Promise<FetchResult> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve({ kind: 'aborted' });
      const secure = url.startsWith('https:');
      let settled = false;
      let gotResponse = false;
      const done = (r: FetchResult): void => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        resolve(r);
      };
      const onAbort = (): void => {
        req.destroy();
        done({ kind: 'aborted' });
      };
      const req = (secure ? https : http).get(
        url,
        {
          agent: secure ? this.httpsAgent : this.httpAgent,
          headers: conditional
            ? {
                ...this.baseHeaders,
                ...(conditional.etag ? { 'if-none-match': conditional.etag } : {}),
                ...(conditional.lastModified ? { 'if-modified-since': conditional.lastModified } : {}),
              }
            : this.baseHeaders,
        },
        (res) => {
          gotResponse = true;
          const status = res.statusCode ?? 0;
          const etag = typeof res.headers.etag === 'string' ? res.headers.etag : null;
          const lastModified = res.headers['last-modified'] ?? null;
          if (status === 304 && conditional) {
            res.resume();
            res.on('end', () => done({ kind: 'notModified', etag: etag ?? conditional.etag, lastModified: lastModified ?? conditional.lastModified }));
            res.on('error', () => done({ kind: 'transient', reason: 'reset after 304' }));
            return;
          }
          if (status !== 200) {
            res.resume(); // drain so the connection can be reused
            const retryAfterMs = parseRetryAfter(res.headers['retry-after']);
            res.on('end', () => done({ kind: 'status', status, retryAfterMs }));
            res.on('error', () => done({ kind: 'status', status, retryAfterMs }));
            res.on('aborted', () => done({ kind: 'status', status, retryAfterMs }));
            return;
          }
          const declared = res.headers['content-length'] === undefined ? null : Number(res.headers['content-length']);
          if (declared !== null && declared > this.opts.maxBodyBytes) {
            req.destroy();
            return done({ kind: 'transient', reason: `body too large (${declared} bytes)` });
          }
          // With a Content-Length the body is copied straight into one buffer of that
          // size (no chunk list, no concat); a copy either way, so the body never pins
          // the socket's larger read buffer while it waits for its batch.
          const whole = declared !== null && Number.isInteger(declared) && declared >= 0 ? Buffer.allocUnsafe(declared) : null;
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            const at = size;
            size += c.length;
            if (size > this.opts.maxBodyBytes) {
              req.destroy();
              done({ kind: 'transient', reason: 'body too large' });
            } else if (whole === null) chunks.push(c);
            else if (size <= whole.length) c.copy(whole, at);
          });
          res.on('aborted', () => done({ kind: 'transient', reason: `truncated body (${size} bytes received)` }));
          res.on('error', (err) => done({ kind: 'transient', reason: `body error: ${errCode(err)}` }));
          res.on('end', () => {
            if (!res.complete) return done({ kind: 'transient', reason: `truncated body (${size} bytes received)` });
            if (declared !== null && declared !== size) return done({ kind: 'transient', reason: `truncated body (${size} of ${declared} bytes)` });
            done({ kind: 'ok', body: whole ?? Buffer.concat(chunks, size), contentType: String(res.headers['content-type'] ?? ''), etag, lastModified });
          });
        },
      );
      // A socket that never connects means no route (a hotspot without signal drops packets silently).
      let connected = false;
      req.on('socket', (sock) => {
        if (!sock.connecting) connected = true;
        else sock.once('connect', () => (connected = true));
      });
      req.setTimeout(this.opts.idleTimeoutMs, () => req.destroy(Object.assign(new Error('idle timeout'), { code: 'ETIMEDOUT_IDLE' })));
      req.on('error', (err) => {
        const code = errCode(err);
        if (!gotResponse && (OFFLINE_CODES.has(code) || (code === 'ETIMEDOUT_IDLE' && !connected))) {
          return done({ kind: 'offline', reason: code === 'ETIMEDOUT_IDLE' ? 'connect timeout' : code });
        }
        done({ kind: 'transient', reason: code === 'ETIMEDOUT_IDLE' ? (gotResponse ? 'stalled (idle timeout)' : 'no response (idle timeout)') : code, noResponse: !gotResponse });
      });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

function errCode(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e.code ?? e.message ?? String(err);
}
