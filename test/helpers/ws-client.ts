/**
 * A real WebSocket client (the `ws` library) that records every frame and
 * mirrors the daemon state the way the phone does.
 */
import WebSocket from 'ws';
import {
  applyDelta,
  expectedPrev,
  type DaemonState,
  type EventMessage,
  type ServerMessage,
} from '../../daemon/protocol.js';

export class TestClient {
  readonly ws: WebSocket;
  readonly texts: string[] = [];
  readonly messages: ServerMessage[] = [];
  readonly events: EventMessage[] = [];
  state: DaemonState | null = null;
  seq = 0;
  gaps = 0;
  pingFrames = 0;
  closed: Promise<{ code: number; reason: string }>;
  readonly opened: Promise<void>;
  private waiters: Array<() => void> = [];

  constructor(url: string, opts: WebSocket.ClientOptions & { autoResync?: boolean } = {}) {
    this.ws = new WebSocket(url, opts);
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
      this.ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    });
    this.closed = new Promise((resolve) => this.ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    this.ws.on('ping', () => this.pingFrames++);
    this.ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      const text = data.toString();
      this.texts.push(text);
      if (text !== 'pong' && text !== 'ping') this.handle(JSON.parse(text) as ServerMessage, opts.autoResync ?? true);
      for (const w of this.waiters.splice(0)) w();
    });
  }

  private handle(msg: ServerMessage, autoResync: boolean): void {
    this.messages.push(msg);
    if (msg.type === 'snapshot') {
      this.state = structuredClone(msg.state);
      this.seq = msg.seq;
    } else if (msg.type === 'delta' || msg.type === 'event') {
      if (!this.state) return;
      if (expectedPrev(msg) !== this.seq) {
        this.gaps++;
        if (autoResync) this.send({ type: 'resync', lastSeq: this.seq });
        return;
      }
      this.seq = msg.seq;
      if (msg.type === 'delta') applyDelta(this.state, msg);
      else this.events.push(msg);
    }
  }

  send(value: unknown): void {
    this.ws.send(typeof value === 'string' ? value : JSON.stringify(value));
  }

  /** Resolves once `pred` holds, checking after every frame. */
  async until(pred: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pred()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => (clearTimeout(t), resolve()));
      });
    }
  }

  close(): void {
    this.ws.close();
  }
}
