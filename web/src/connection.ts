/**
 * The phone's one connection to the daemon. Keeps a mirror of the daemon state
 * that is always either exact or visibly reconnecting:
 * - text "ping" every 15 s (sooner after 5 s of silence); no message at all
 *   within 10 s of it -> reconnect (browsers cannot see ping frames, so this
 *   is how a dead link is noticed);
 * - unlimited reconnects, capped exponential backoff with full jitter;
 *   immediately on visibilitychange (visible), pageshow and online;
 * - snapshot, then deltas in seq order; a gap asks for resync.
 */
import {
  PING,
  applyDelta,
  expectedPrev,
  type DaemonState,
  type EventMessage,
  type HelloMessage,
  type ServerMessage,
} from '../../daemon/protocol.js';

export type LinkStatus =
  | { kind: 'connecting' }
  | { kind: 'live'; hello: HelloMessage }
  | { kind: 'reconnecting'; inMs: number; attempt: number; lastClose: number | null }
  /** The browser reports no network; a retry is still scheduled in `inMs`. */
  | { kind: 'offline'; inMs: number };

export interface ConnectionOptions {
  url: string;
  pingEveryMs?: number;
  /** Ping early after this much silence from the server (default 5 s). */
  idlePingMs?: number;
  pongTimeoutMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
}

type Listener<T> = (value: T) => void;

export class Connection {
  state: DaemonState | null = null;
  seq = 0;
  status: LinkStatus = { kind: 'connecting' };
  private ws: WebSocket | null = null;
  private attempt = 0;
  private pingTimer: number | undefined;
  private lastPingAt = 0;
  private lastRxAt = 0;
  /** The seq a resync was asked from and not yet answered. */
  private resyncFrom: number | null = null;
  private resyncAt = 0;
  private deadline: number | undefined;
  private retryTimer: number | undefined;
  private readonly stateListeners = new Set<Listener<DaemonState>>();
  private readonly statusListeners = new Set<Listener<LinkStatus>>();
  private readonly eventListeners = new Set<Listener<EventMessage>>();

  constructor(private readonly opts: ConnectionOptions) {}

  /** Each `on*` returns a function that removes the listener (screens unsubscribe when they unmount). */
  onState(fn: Listener<DaemonState>): () => void {
    this.stateListeners.add(fn);
    return () => this.stateListeners.delete(fn);
  }
  onStatus(fn: Listener<LinkStatus>): () => void {
    this.statusListeners.add(fn);
    return () => this.statusListeners.delete(fn);
  }
  onEvent(fn: Listener<EventMessage>): () => void {
    this.eventListeners.add(fn);
    return () => this.eventListeners.delete(fn);
  }

  start(): void {
    const now = (): void => this.reconnectNow();
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') now();
    });
    window.addEventListener('pageshow', now);
    window.addEventListener('online', now);
    // The browser says the network is gone: the socket is dead too. Keep retrying
    // slowly (not every browser fires 'online' reliably); 'online' retries at once.
    window.addEventListener('offline', () => this.scheduleReconnect(null));
    this.connect();
  }

  /**
   * Reconnects at once unless a socket is open or still opening (that one has
   * its own hello timeout). `pageshow` also fires on the first load, so this
   * must not replace a socket that is just connecting.
   */
  reconnectNow(): void {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) {
      this.sendPing(); // verify it is really alive
      return;
    }
    if (this.ws && this.ws.readyState === WebSocket.CONNECTING) return;
    window.clearTimeout(this.retryTimer);
    this.attempt = 0;
    this.connect();
  }

  private connect(): void {
    this.teardown();
    this.setStatus({ kind: 'connecting' });
    const ws = new WebSocket(this.opts.url);
    this.ws = ws;
    // A frozen daemon or a half-dead hotspot can leave the handshake pending for
    // minutes (TCP timeouts): no hello within the pong timeout counts as failed.
    this.deadline = window.setTimeout(() => {
      if (this.ws === ws) this.scheduleReconnect(null);
    }, this.opts.pongTimeoutMs ?? 10_000);
    ws.onmessage = (ev) => this.receive(typeof ev.data === 'string' ? ev.data : '');
    ws.onclose = (ev) => {
      if (this.ws === ws) this.scheduleReconnect(ev.code);
    };
    ws.onerror = () => undefined; // onclose follows and handles it
  }

  private receive(text: string): void {
    window.clearTimeout(this.deadline); // anything from the server proves the link
    this.deadline = undefined;
    this.lastRxAt = Date.now();
    if (text === 'pong') return;
    if (text === PING) {
      this.ws?.send('pong');
      return;
    }
    let msg: ServerMessage;
    try {
      msg = JSON.parse(text) as ServerMessage;
    } catch {
      return;
    }
    switch (msg.type) {
      case 'hello':
        this.attempt = 0;
        this.setStatus({ kind: 'live', hello: msg });
        this.startPinging();
        break;
      case 'snapshot':
        this.state = msg.state;
        this.seq = msg.seq;
        this.resyncFrom = null;
        this.emitState();
        break;
      case 'delta':
      case 'event':
        if (!this.state || msg.seq <= this.seq) return; // before the snapshot, or a replayed duplicate
        if (expectedPrev(msg) !== this.seq) {
          // Ask once per position (the messages that keep coming until the answer arrives
          // would otherwise each ask again and each get the same replay), again after 5 s.
          if (this.resyncFrom !== this.seq || Date.now() - this.resyncAt > 5_000) {
            this.ws?.send(JSON.stringify({ type: 'resync', lastSeq: this.seq }));
            this.resyncFrom = this.seq;
            this.resyncAt = Date.now();
          }
          return;
        }
        this.seq = msg.seq;
        this.resyncFrom = null;
        if (msg.type === 'delta') {
          applyDelta(this.state, msg);
          this.emitState();
        } else {
          for (const fn of this.eventListeners) fn(msg);
        }
        break;
      case 'error':
        console.warn('daemon says', msg.code, msg.message);
        break;
    }
  }

  /**
   * Pings every `pingEveryMs`, and also as soon as the usually busy stream has
   * been silent for `idlePingMs`: a frozen daemon is then noticed after about
   * idle + pong timeout instead of up to ping interval + pong timeout.
   */
  private startPinging(): void {
    window.clearInterval(this.pingTimer);
    const every = this.opts.pingEveryMs ?? 15_000;
    const idle = Math.min(every, this.opts.idlePingMs ?? 5_000);
    this.lastPingAt = Date.now();
    this.pingTimer = window.setInterval(() => {
      const now = Date.now();
      if (now - this.lastPingAt >= every || now - this.lastRxAt >= idle) this.sendPing();
    }, Math.min(1_000, idle));
  }

  private sendPing(): void {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    if (this.deadline !== undefined) return; // a ping is already waiting for its answer
    ws.send(PING);
    this.lastPingAt = Date.now();
    this.deadline = window.setTimeout(() => {
      // Silent for too long: the daemon or the link is gone. Do not wait for TCP.
      if (this.ws === ws) {
        ws.close(4000, 'no pong');
        this.scheduleReconnect(null);
      }
    }, this.opts.pongTimeoutMs ?? 10_000);
  }

  private scheduleReconnect(code: number | null): void {
    this.teardown();
    window.clearTimeout(this.retryTimer);
    const base = this.opts.backoffBaseMs ?? 500;
    const cap = this.opts.backoffMaxMs ?? 15_000;
    const inMs = Math.round(Math.random() * Math.min(cap, base * 2 ** this.attempt)); // full jitter
    this.attempt++;
    this.setStatus(navigator.onLine === false ? { kind: 'offline', inMs } : { kind: 'reconnecting', inMs, attempt: this.attempt, lastClose: code });
    this.retryTimer = window.setTimeout(() => this.connect(), inMs);
  }

  private teardown(): void {
    window.clearInterval(this.pingTimer);
    window.clearTimeout(this.deadline);
    this.deadline = undefined;
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onclose = null;
      ws.onmessage = null;
      if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close(4000, 'reconnecting');
    }
  }

  private emitState(): void {
    if (this.state) for (const fn of this.stateListeners) fn(this.state);
  }

  private setStatus(s: LinkStatus): void {
    this.status = s;
    for (const fn of this.statusListeners) fn(s);
  }
}
