/**
 * JSON API routing on the uWS app: reads and limits bodies, validates them
 * with zod, checks the token, and turns every outcome (including thrown
 * errors) into one JSON response. uWS requests are only valid synchronously,
 * so everything needed from them is copied before the first await.
 */
import type { z } from 'zod';
import type { HttpRequest, HttpResponse, TemplatedApp } from './uws.js';
import { ApiError } from './errors.js';
import { formatIssues } from './config/load.js';
import type { Logger } from './logger.js';

export interface RequestContext<B> {
  params: Record<string, string>;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: B;
}

export interface Reply {
  status?: number;
  /** JSON-serialised, unless contentType is set: then it must be the finished text (e.g. GPX). */
  body: unknown;
  contentType?: string;
  headers?: Record<string, string>;
}

export type Handler<B> = (ctx: RequestContext<B>) => Reply | Promise<Reply>;

type Method = 'get' | 'post' | 'put' | 'del' | 'patch';

export interface ApiRouterOptions {
  maxBodyBytes: number;
  /** Returns false when the request lacks the configured token. */
  authorize: (headers: Record<string, string>, query: URLSearchParams) => boolean;
  isShuttingDown: () => boolean;
  log: Logger;
}

const STATUS_TEXT: Record<number, string> = {
  200: '200 OK', 201: '201 Created', 202: '202 Accepted', 204: '204 No Content',
  400: '400 Bad Request', 401: '401 Unauthorized', 403: '403 Forbidden', 404: '404 Not Found',
  405: '405 Method Not Allowed', 409: '409 Conflict', 413: '413 Payload Too Large',
  415: '415 Unsupported Media Type', 500: '500 Internal Server Error', 503: '503 Service Unavailable',
};

export function statusLine(status: number): string {
  return STATUS_TEXT[status] ?? String(status);
}

export function readHeaders(req: HttpRequest): Record<string, string> {
  const headers: Record<string, string> = {};
  req.forEach((k, v) => {
    headers[k] = v;
  });
  return headers;
}

export class ApiRouter {
  constructor(
    private readonly app: TemplatedApp,
    private readonly opts: ApiRouterOptions,
  ) {}

  route<S extends z.ZodType>(method: Method, pattern: string, handler: Handler<z.output<S>>, bodySchema?: S): void {
    const paramNames = pattern.split('/').filter((s) => s.startsWith(':')).map((s) => s.slice(1));
    this.app[method](pattern, (res, req) => {
      const ctx = {
        params: Object.fromEntries(paramNames.map((n, i) => [n, decodeURIComponent(req.getParameter(i) ?? '')])),
        query: new URLSearchParams(req.getQuery() ?? ''),
        headers: readHeaders(req),
        body: undefined as unknown,
      };
      const state = { aborted: false };
      res.onAborted(() => {
        state.aborted = true;
      });
      const wantsBody = method !== 'get' && method !== 'del';
      void this.handle(res, state, ctx, wantsBody, handler as Handler<unknown>, bodySchema);
    });
  }

  /**
   * JSON 404 for any /api path that no route matched (all methods), and 405 for
   * other methods than GET/HEAD outside /api, so that no request is ever left
   * without an answer (uWS closes the connection when nothing matches).
   */
  notFoundFallback(prefix: string): void {
    this.app.any(`${prefix}/*`, (res, req) => {
      const err = new ApiError('NOT_FOUND', `no route for ${req.getMethod().toUpperCase()} ${req.getUrl()}`);
      sendJson(res, err.status, err.toBody());
    });
    this.app.any('/*', (res, req) => {
      const err = new ApiError('METHOD_NOT_ALLOWED', `${req.getMethod().toUpperCase()} is not allowed on ${req.getUrl()}`);
      sendJson(res, err.status, err.toBody(), { Allow: 'GET, HEAD' });
    });
  }

  private async handle(
    res: HttpResponse,
    state: { aborted: boolean },
    ctx: RequestContext<unknown>,
    wantsBody: boolean,
    handler: Handler<unknown>,
    schema: z.ZodType | undefined,
  ): Promise<void> {
    let reply: Reply;
    try {
      if (this.opts.isShuttingDown()) throw new ApiError('SHUTTING_DOWN');
      if (!this.opts.authorize(ctx.headers, ctx.query)) throw new ApiError('UNAUTHORIZED');
      if (wantsBody) ctx.body = await this.readBody(res, ctx.headers, schema);
      reply = await handler(ctx);
    } catch (err) {
      if (err instanceof ApiError) {
        reply = { status: err.status, body: err.toBody() };
      } else {
        this.opts.log.error({ err, url: ctx.headers.host }, 'api handler failed');
        const e = new ApiError('INTERNAL');
        reply = { status: e.status, body: e.toBody() };
      }
    }
    if (state.aborted) return;
    res.cork(() =>
      reply.contentType !== undefined && typeof reply.body === 'string'
        ? sendText(res, reply.status ?? 200, reply.contentType, reply.body, reply.headers)
        : sendJson(res, reply.status ?? 200, reply.body, reply.headers),
    );
  }

  private async readBody(res: HttpResponse, headers: Record<string, string>, schema?: z.ZodType): Promise<unknown> {
    const declared = Number(headers['content-length'] ?? '0');
    if (declared > this.opts.maxBodyBytes) throw new ApiError('PAYLOAD_TOO_LARGE', `body over ${this.opts.maxBodyBytes} bytes`);
    const raw = await collectBody(res, this.opts.maxBodyBytes);
    if (!schema) return undefined;
    let value: unknown = {};
    if (raw.length > 0) {
      if (!/^application\/json\b/i.test(headers['content-type'] ?? '')) throw new ApiError('UNSUPPORTED_MEDIA_TYPE');
      try {
        value = JSON.parse(raw.toString('utf8'));
      } catch (err) {
        throw new ApiError('BAD_JSON', `request body is not valid JSON: ${(err as Error).message}`);
      }
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) throw new ApiError('VALIDATION', 'request body is invalid', formatIssues(parsed.error));
    return parsed.data;
  }
}

/** Collects a request body, rejecting once it passes `limit` bytes. */
export function collectBody(res: HttpResponse, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    res.onData((chunk, isLast) => {
      if (failed) return;
      size += chunk.byteLength;
      if (size > limit) {
        failed = true;
        reject(new ApiError('PAYLOAD_TOO_LARGE', `body over ${limit} bytes`));
        return;
      }
      // uWS reuses the chunk's memory after this callback: copy it.
      chunks.push(Buffer.from(new Uint8Array(chunk)));
      if (isLast) resolve(Buffer.concat(chunks));
    });
  });
}

export function sendText(res: HttpResponse, status: number, contentType: string, body: string, headers: Record<string, string> = {}): void {
  res.writeStatus(statusLine(status));
  res.writeHeader('Content-Type', contentType);
  res.writeHeader('Cache-Control', 'no-store');
  for (const [k, v] of Object.entries(headers)) res.writeHeader(k, v);
  res.end(body);
}

export function sendJson(res: HttpResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeStatus(statusLine(status));
  res.writeHeader('Content-Type', 'application/json; charset=utf-8');
  res.writeHeader('Cache-Control', 'no-store');
  for (const [k, v] of Object.entries(headers)) res.writeHeader(k, v);
  res.end(status === 204 ? '' : JSON.stringify(body));
}
