/**
 * Bench WebSocket clients (the `ws` library, in the bench runner's process, so
 * their CPU is never counted as the server's). They only count what arrives.
 */
import WebSocket from 'ws';

const PROGRESS_MARK = '"topic":"downloads"';

export class ClientPool {
  private readonly sockets: WebSocket[] = [];
  /** Text frames received since the last reset, over all clients. */
  received = 0;
  /** Of those, download progress deltas (the fan-out payload). */
  progress = 0;
  /** Clients the server closed before the pool did (should stay 0). */
  closedEarly = 0;
  private closing = false;

  constructor(private readonly url: string) {}

  get size(): number {
    return this.sockets.length;
  }

  /**
   * Opens `count` more clients, all at once. With `firstMessages`, each open
   * counts as done only once that many frames arrived (hello and snapshot).
   */
  async add(count: number, firstMessages = 0): Promise<void> {
    const opening: Array<Promise<void>> = [];
    for (let i = 0; i < count; i++) opening.push(this.open(firstMessages));
    await Promise.all(opening);
  }

  resetCount(): void {
    this.received = 0;
    this.progress = 0;
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(
      this.sockets.map(
        (ws) =>
          new Promise<void>((resolve) => {
            if (ws.readyState === WebSocket.CLOSED) return resolve();
            ws.once('close', () => resolve());
            ws.terminate();
          }),
      ),
    );
    this.sockets.length = 0;
    this.closing = false;
  }

  private open(firstMessages: number): Promise<void> {
    const ws = new WebSocket(this.url, { perMessageDeflate: false });
    this.sockets.push(ws);
    let seen = 0;
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`client not ready in 20 s (${this.url})`)), 20_000);
      const done = (): void => (clearTimeout(t), resolve());
      ws.on('message', (data, isBinary) => {
        if (isBinary) return;
        this.received++;
        if (data.toString().includes(PROGRESS_MARK)) this.progress++;
        if (++seen === firstMessages) done();
      });
      ws.once('open', () => firstMessages === 0 && done());
      ws.once('error', (err) => (clearTimeout(t), reject(err)));
      ws.once('close', () => {
        if (!this.closing) this.closedEarly++;
      });
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    });
  }
}
