/**
 * The single source of truth for live state in the main thread. Drivers and
 * download workers publish into it; the channel turns each change into a
 * sequenced message. Values are whole, immutable objects: publishers pass a new
 * object for every change and never mutate one they have published.
 */
import { EventEmitter } from 'node:events';
import {
  emptyState,
  type DaemonState,
  type DeltaMessage,
  type EventMessage,
  type KeyedTopic,
  type KeyedValue,
  type SequencedMessage,
  type Topic,
} from './protocol.js';

type PlainTopic = Exclude<Topic, KeyedTopic>;

interface StoreEvents {
  message: [SequencedMessage];
}

export class StateStore {
  private state: DaemonState = emptyState();
  private lastSeq = 0;
  private readonly emitter = new EventEmitter<StoreEvents>();
  /** Messages waiting for delivery while listeners are still handling an earlier one. */
  private readonly queue: SequencedMessage[] = [];
  private delivering = false;

  get seq(): number {
    return this.lastSeq;
  }

  /** Current value of one topic (read-only by contract). */
  get<T extends Topic>(topic: T): Readonly<DaemonState[T]> {
    return this.state[topic];
  }

  /** A copy that is safe to serialise while changes keep arriving. */
  snapshot(): { seq: number; state: DaemonState } {
    return { seq: this.lastSeq, state: { ...this.state, downloads: { ...this.state.downloads } } };
  }

  /** Replaces a whole topic. Unchanged values (same reference) emit nothing. */
  set<T extends PlainTopic>(topic: T, value: DaemonState[T]): void {
    if (this.state[topic] === value) return;
    this.state = { ...this.state, [topic]: value };
    const msg = { type: 'delta', seq: ++this.lastSeq, topic, value } as DeltaMessage;
    this.deliver(msg);
  }

  /** Sets (or with null, deletes) one key of a keyed topic. */
  setKey<T extends KeyedTopic>(topic: T, key: string, value: KeyedValue<T> | null): void {
    const current = this.state[topic];
    if (value === null && !(key in current)) return;
    if (value !== null && current[key] === value) return;
    const next = { ...current } as Record<string, KeyedValue<T>>;
    if (value === null) delete next[key];
    else next[key] = value;
    this.state = { ...this.state, [topic]: next };
    const msg: DeltaMessage = { type: 'delta', seq: ++this.lastSeq, topic, key, value };
    this.deliver(msg);
  }

  /** Publishes something that happened; events are delivered to every client. */
  emitEvent(topic: EventMessage['topic'], name: string, data: Record<string, unknown>): void {
    const msg: EventMessage = { type: 'event', seq: ++this.lastSeq, topic, name, data };
    this.deliver(msg);
  }

  /**
   * Every listener sees every message in seq order. A listener may change state
   * while it handles a message (GPIO LEDs follow downloads, say); that nested
   * message is queued until all listeners have had the current one. Delivering
   * it at once would let the channel send seq n+1 before n, and then drop n as
   * already covered, so a client would silently miss a delta.
   */
  private deliver(msg: SequencedMessage): void {
    this.queue.push(msg);
    if (this.delivering) return;
    this.delivering = true;
    try {
      for (let next = this.queue.shift(); next; next = this.queue.shift()) this.emitter.emit('message', next);
    } finally {
      this.delivering = false;
    }
  }

  onMessage(listener: (msg: SequencedMessage) => void): () => void {
    this.emitter.on('message', listener);
    return () => this.emitter.off('message', listener);
  }
}
