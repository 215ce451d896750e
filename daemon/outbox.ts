/**
 * Per-client outbound queue with backpressure.
 *
 * While the socket's buffered amount is below `softLimitBytes`, messages go
 * straight out. Above it the outbox stops writing and keeps only the latest
 * delta per (topic, key), plus every event in order: progress is coalesced,
 * terminal events are never dropped. Past `hardLimitBytes` (socket buffer plus
 * what is pending here) the caller must close the client, which then resyncs by
 * snapshot. Memory per client is therefore bounded by the hard limit.
 *
 * After coalescing, a message no longer follows the one sent before it, so it
 * is re-serialised with an explicit `prev` (see protocol.expectedPrev).
 */
import { coalesceKey, type SequencedMessage } from './protocol.js';

export type SendResult = 'sent' | 'buffered' | 'dropped';

/** The four things the outbox needs from a socket. */
export interface OutboundSocket {
  send(text: string): SendResult;
  bufferedAmount(): number;
}

export interface OutboxLimits {
  softLimitBytes: number;
  hardLimitBytes: number;
}

export type PushResult = 'ok' | 'overflow';

interface Pending {
  msg: SequencedMessage;
  json: string;
}

export class Outbox {
  private readonly pending = new Map<string, Pending>();
  private pendingBytes = 0;
  private lastSentSeq: number;
  /** Messages that were superseded before they could be sent (for stats and tests). */
  coalescedCount = 0;

  constructor(
    private readonly socket: OutboundSocket,
    private readonly limits: OutboxLimits,
    startSeq: number,
  ) {
    this.lastSentSeq = startSeq;
  }

  get coalescing(): boolean {
    return this.pending.size > 0;
  }

  get pendingSize(): number {
    return this.pending.size;
  }

  get lastSeq(): number {
    return this.lastSentSeq;
  }

  /** Forget everything queued: the client has just been sent state up to `seq`. */
  reset(seq: number): void {
    this.pending.clear();
    this.pendingBytes = 0;
    this.lastSentSeq = seq;
  }

  /** Queues or sends one message; `json` is its shared serialisation. */
  push(msg: SequencedMessage, json: string): PushResult {
    if (msg.seq <= this.lastSentSeq) return 'ok'; // already covered by a snapshot
    if (!this.coalescing && this.socket.bufferedAmount() < this.limits.softLimitBytes) {
      return this.write(msg, json) ? 'ok' : 'overflow';
    }
    const key = coalesceKey(msg) ?? `event/${msg.seq}`;
    const old = this.pending.get(key);
    if (old) {
      this.pending.delete(key); // re-insert so the map stays in seq order
      this.pendingBytes -= old.json.length;
      this.coalescedCount++;
    }
    this.pending.set(key, { msg, json });
    this.pendingBytes += json.length;
    if (this.pendingBytes + this.socket.bufferedAmount() > this.limits.hardLimitBytes) return 'overflow';
    return 'ok';
  }

  /** Sends queued messages while the socket has room. Call on drain and on a timer. */
  flush(): PushResult {
    for (const [key, entry] of this.pending) {
      if (this.socket.bufferedAmount() >= this.limits.softLimitBytes) return 'ok';
      this.pending.delete(key);
      this.pendingBytes -= entry.json.length;
      if (!this.write(entry.msg, entry.json)) return 'overflow';
    }
    return 'ok';
  }

  private write(msg: SequencedMessage, json: string): boolean {
    const text = msg.seq - 1 === this.lastSentSeq ? json : JSON.stringify({ ...msg, prev: this.lastSentSeq });
    const result = this.socket.send(text);
    this.lastSentSeq = msg.seq;
    return result !== 'dropped';
  }
}
