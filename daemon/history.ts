/**
 * A bounded ring of recent sequenced messages (already serialised), so that a
 * client that missed a few can be sent exactly those instead of a snapshot.
 * Memory is bounded by `capacity` entries whatever the clients do.
 */
import type { SequencedMessage } from './protocol.js';

export interface HistoryEntry {
  seq: number;
  msg: SequencedMessage;
  json: string;
}

export class History {
  private readonly ring: (HistoryEntry | undefined)[];
  private next = 0;
  private count = 0;

  constructor(private readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('history capacity must be a positive integer');
    this.ring = new Array<HistoryEntry | undefined>(capacity);
  }

  push(entry: HistoryEntry): void {
    this.ring[this.next] = entry;
    this.next = (this.next + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
  }

  /**
   * Entries with seq > lastSeq, in order, if the ring still holds all of them;
   * null when some are gone (the caller then sends a snapshot).
   */
  since(lastSeq: number, currentSeq: number): HistoryEntry[] | null {
    if (lastSeq > currentSeq) return null;
    if (lastSeq === currentSeq) return [];
    const out: HistoryEntry[] = [];
    for (let i = 0; i < this.count; i++) {
      const idx = (this.next - this.count + i + this.capacity) % this.capacity;
      const entry = this.ring[idx];
      if (entry && entry.seq > lastSeq) out.push(entry);
    }
    // Complete only if the oldest returned entry directly follows lastSeq.
    if (out.length === 0 || out[0]!.seq !== lastSeq + 1) return null;
    return out;
  }
}
