/**
 * The live WebSocket channel at /ws: hello, snapshot, then sequenced deltas and
 * events for every change in the StateStore; resync from a bounded history;
 * heartbeat; per-client backpressure. The socket only streams: commands go
 * through the HTTP API.
 *
 * Heartbeat. Measured with this uWS build: outbound sends do not reset its idle
 * timer, but its timer runs in 4 s steps and its automatic pings are tied to
 * it. So liveness is tracked here: `lastInboundAt` moves on any frame from the
 * client (pong, ping, text), a ping frame goes out every pingIntervalMs, and a
 * client silent for deadAfterMs is closed with 4000, also while progress keeps
 * flowing to it. uWS's own idle timeout stays on as a backstop a little later.
 */
import {
  CloseCode,
  PING,
  PONG,
  PROTOCOL_VERSION,
  RESYNC_BURST,
  RESYNC_PER_S,
  parseClientFrame,
  type ErrorCode,
  type ErrorMessage,
  type Feature,
  type HelloMessage,
  type SequencedMessage,
} from './protocol.js';
import type { StateStore } from './state.js';
import { History } from './history.js';
import { Outbox, type OutboundSocket, type SendResult } from './outbox.js';
import type { HttpRequest, HttpResponse, WebSocket, WebSocketBehavior } from './uws.js';
import type { Logger } from './logger.js';
import { readHeaders } from './http.js';
import type { us_socket_context_t } from 'uWebSockets.js';

export interface ChannelOptions {
  version: string;
  heartbeat: { pingIntervalMs: number; deadAfterMs: number };
  backpressure: { softLimitBytes: number; hardLimitBytes: number };
  historySize: number;
  maxPayloadBytes: number;
  /** Upgrades beyond this many open sockets get 503, so a flood of connections cannot exhaust memory. */
  maxClients: number;
  /** Decides on an upgrade; returns an HTTP status and reason to refuse it. */
  admit: (headers: Record<string, string>, query: URLSearchParams) => { status: number; reason: string } | null;
}

interface UserData {
  id: number;
  remote: string;
  client: Client | null;
}

interface Client {
  id: number;
  remote: string;
  ws: WebSocket<UserData>;
  outbox: Outbox;
  connectedAt: number;
  lastInboundAt: number;
  lastPingAt: number;
  serverTextPings: boolean;
  badFrames: number;
  /** Token bucket for resyncs: tokens left, and when it was last topped up. */
  resyncTokens: number;
  resyncAt: number;
}

/** After this many invalid frames in a row the client is closed with 4002. */
const MAX_BAD_FRAMES = 5;
const FEATURES: Feature[] = ['resync', 'serverTextPings', 'coalescing'];
const decoder = new TextDecoder('utf-8', { fatal: true });

export class Channel {
  private readonly clients = new Map<number, Client>();
  private readonly history: History;
  private nextId = 1;
  private timer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  private stopping = false;
  /** Counters for health and tests. */
  readonly stats = { opened: 0, closedHeartbeat: 0, closedTooSlow: 0, closedProtocol: 0, coalesced: 0 };

  constructor(
    private readonly opts: ChannelOptions,
    private readonly store: StateStore,
    private readonly log: Logger,
  ) {
    this.history = new History(opts.historySize);
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /** uWS idleTimeout in seconds: a backstop past deadAfter, within uWS's accepted 8..960. */
  static idleTimeoutFor(deadAfterMs: number): number {
    return Math.min(960, Math.max(8, Math.ceil(deadAfterMs / 1000) + 8));
  }

  behavior(): WebSocketBehavior<UserData> {
    const { backpressure } = this.opts;
    return {
      maxPayloadLength: this.opts.maxPayloadBytes,
      idleTimeout: Channel.idleTimeoutFor(this.opts.heartbeat.deadAfterMs),
      sendPingsAutomatically: false,
      // uWS must never drop a message silently: our hard limit closes first,
      // and closeOnBackpressureLimit is the backstop if it ever does not.
      maxBackpressure: backpressure.hardLimitBytes * 2,
      closeOnBackpressureLimit: 1,
      upgrade: (res, req, context) => this.upgrade(res, req, context),
      open: (ws) => this.open(ws),
      message: (ws, message, isBinary) => this.message(ws, message, isBinary),
      drain: (ws) => this.flush(ws.getUserData().client),
      ping: (ws) => this.touch(ws),
      pong: (ws) => this.touch(ws),
      close: (ws, code, message) => this.closed(ws, code, message),
    };
  }

  start(): void {
    this.unsubscribe = this.store.onMessage((msg) => this.broadcast(msg));
    const tickMs = Math.max(50, Math.min(1000, Math.floor(this.opts.heartbeat.deadAfterMs / 4)));
    this.timer = setInterval(() => this.tick(Date.now()), tickMs);
  }

  /** Closes every client with 1001 so they reconnect to the next instance. */
  stop(): void {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    this.unsubscribe?.();
    for (const client of [...this.clients.values()]) this.end(client, CloseCode.shutdown, 'server shutting down');
  }

  private upgrade(res: HttpResponse, req: HttpRequest, context: us_socket_context_t): void {
    const headers = readHeaders(req);
    const query = new URLSearchParams(req.getQuery() ?? '');
    const refusal = this.stopping
      ? { status: 503, reason: 'Shutting down' }
      : this.clients.size >= this.opts.maxClients
        ? { status: 503, reason: 'Too many clients' }
        : this.opts.admit(headers, query);
    const remote = Buffer.from(res.getRemoteAddressAsText()).toString();
    if (refusal) {
      this.log.warn({ remote, origin: headers.origin, status: refusal.status, reason: refusal.reason }, 'websocket upgrade refused');
      res.writeStatus(`${refusal.status} ${refusal.reason}`).end(refusal.reason);
      return;
    }
    const data: UserData = { id: this.nextId++, remote, client: null };
    res.upgrade(
      data,
      headers['sec-websocket-key'] ?? '',
      headers['sec-websocket-protocol'] ?? '',
      headers['sec-websocket-extensions'] ?? '',
      context,
    );
  }

  private open(ws: WebSocket<UserData>): void {
    const data = ws.getUserData();
    const now = Date.now();
    const socket: OutboundSocket = { send: (text) => sendText(ws, text), bufferedAmount: () => ws.getBufferedAmount() };
    const client: Client = {
      id: data.id,
      remote: data.remote,
      ws,
      outbox: new Outbox(socket, this.opts.backpressure, 0),
      connectedAt: now,
      lastInboundAt: now,
      lastPingAt: now,
      serverTextPings: false,
      badFrames: 0,
      resyncTokens: RESYNC_BURST,
      resyncAt: now,
    };
    data.client = client;
    this.clients.set(client.id, client);
    this.stats.opened++;
    const hello: HelloMessage = {
      type: 'hello',
      protocol: PROTOCOL_VERSION,
      server: { name: 'dashcamd', version: this.opts.version },
      heartbeat: { ...this.opts.heartbeat },
      features: FEATURES,
    };
    ws.send(JSON.stringify(hello));
    this.sendSnapshot(client);
    this.log.info({ client: client.id, remote: client.remote, clients: this.clients.size }, 'client connected');
  }

  private sendSnapshot(client: Client): void {
    const snap = this.store.snapshot();
    client.outbox.reset(snap.seq);
    if (sendText(client.ws, JSON.stringify({ type: 'snapshot', ...snap })) === 'dropped') {
      this.end(client, CloseCode.tooSlow, 'too slow');
    }
  }

  private message(ws: WebSocket<UserData>, message: ArrayBuffer, isBinary: boolean): void {
    const client = ws.getUserData().client;
    if (!client) return;
    client.lastInboundAt = Date.now();
    if (isBinary) return this.badFrame(client, 'BINARY_NOT_SUPPORTED', 'binary frames are not supported');
    let text: string;
    try {
      text = decoder.decode(message);
    } catch {
      return this.badFrame(client, 'BAD_JSON', 'frame is not valid UTF-8');
    }
    const parsed = parseClientFrame(text);
    if (!parsed.ok) return this.badFrame(client, parsed.code, parsed.message);
    client.badFrames = 0;
    if ('ping' in parsed) {
      ws.send(PONG);
    } else if ('message' in parsed) {
      const msg = parsed.message;
      if (msg.type === 'options') client.serverTextPings = msg.serverTextPings;
      else if (this.takeResyncToken(client)) this.resync(client, msg.lastSeq);
      else this.sendError(client, 'RATE_LIMITED', `at most ${RESYNC_BURST} resyncs in a row, then ${RESYNC_PER_S} per second`);
    }
    // A text "pong" needs no answer: receiving it already refreshed lastInboundAt.
  }

  /** A client that asks for resyncs in a loop would keep the server serialising snapshots. */
  private takeResyncToken(client: Client): boolean {
    const now = client.lastInboundAt;
    client.resyncTokens = Math.min(RESYNC_BURST, client.resyncTokens + ((now - client.resyncAt) / 1000) * RESYNC_PER_S);
    client.resyncAt = now;
    if (client.resyncTokens < 1) return false;
    client.resyncTokens -= 1;
    return true;
  }

  private resync(client: Client, lastSeq: number): void {
    const current = this.store.seq;
    if (lastSeq > current) {
      return this.badFrame(client, 'BAD_SEQ', `lastSeq ${lastSeq} is ahead of the server (${current})`);
    }
    const missed = this.history.since(lastSeq, current);
    if (!missed) {
      this.log.debug({ client: client.id, lastSeq, current }, 'resync by snapshot');
      return this.sendSnapshot(client);
    }
    client.outbox.reset(lastSeq);
    for (const entry of missed) {
      if (client.outbox.push(entry.msg, entry.json) === 'overflow') return this.end(client, CloseCode.tooSlow, 'too slow');
    }
  }

  private badFrame(client: Client, code: ErrorCode, message: string): void {
    client.badFrames++;
    this.log.debug({ client: client.id, code }, 'bad frame from client');
    if (client.badFrames >= MAX_BAD_FRAMES) {
      this.stats.closedProtocol++;
      return this.end(client, CloseCode.protocolError, 'protocol error');
    }
    this.sendError(client, code, message);
  }

  private sendError(client: Client, code: ErrorCode, message: string): void {
    const error: ErrorMessage = { type: 'error', code, message };
    client.ws.send(JSON.stringify(error));
  }

  private broadcast(msg: SequencedMessage): void {
    const json = JSON.stringify(msg);
    this.history.push({ seq: msg.seq, msg, json });
    for (const client of this.clients.values()) {
      if (client.outbox.push(msg, json) === 'overflow') {
        this.stats.closedTooSlow++;
        this.log.warn({ client: client.id, buffered: client.ws.getBufferedAmount() }, 'client too slow, closing');
        this.end(client, CloseCode.tooSlow, 'too slow');
      }
    }
  }

  private flush(client: Client | null): void {
    if (client && client.outbox.flush() === 'overflow') this.end(client, CloseCode.tooSlow, 'too slow');
  }

  private touch(ws: WebSocket<UserData>): void {
    const client = ws.getUserData().client;
    if (client) client.lastInboundAt = Date.now();
  }

  private tick(now: number): void {
    const { pingIntervalMs, deadAfterMs } = this.opts.heartbeat;
    for (const client of this.clients.values()) {
      if (now - client.lastInboundAt >= deadAfterMs) {
        this.stats.closedHeartbeat++;
        this.log.warn({ client: client.id, remote: client.remote, silentMs: now - client.lastInboundAt }, 'client heartbeat timeout');
        this.end(client, CloseCode.heartbeatTimeout, 'heartbeat timeout');
        continue;
      }
      if (now - client.lastPingAt >= pingIntervalMs) {
        client.lastPingAt = now;
        client.ws.cork(() => {
          client.ws.ping();
          if (client.serverTextPings) client.ws.send(PING);
        });
      }
      this.flush(client);
    }
  }

  private end(client: Client, code: number, reason: string): void {
    if (!this.clients.has(client.id)) return;
    this.clients.delete(client.id);
    this.stats.coalesced += client.outbox.coalescedCount;
    // end() sends the close frame and calls our close handler synchronously.
    client.ws.end(code, reason);
  }

  private closed(ws: WebSocket<UserData>, code: number, message: ArrayBuffer): void {
    const data = ws.getUserData();
    const client = data.client;
    data.client = null;
    if (client && this.clients.delete(client.id)) this.stats.coalesced += client.outbox.coalescedCount;
    this.log.info({ client: data.id, code, reason: Buffer.from(message).toString(), clients: this.clients.size }, 'client disconnected');
  }
}

function sendText(ws: WebSocket<UserData>, text: string): SendResult {
  let result = 0;
  ws.cork(() => {
    result = ws.send(text, false);
  });
  return result === 1 ? 'sent' : result === 0 ? 'buffered' : 'dropped';
}
