/**
 * Marks events: the button's short press and POST /api/events both land here.
 * A mark takes the time of the press and the last GPS position from the
 * store, is written to SQLite first and then announced on the channel as
 * `events`/`mark`, so a client never sees a mark that a power cut could lose.
 */
import type { EventMark } from './protocol.js';
import type { StateStore } from './state.js';
import type { Logger } from './logger.js';
import type { ShutdownHooks } from './safe-shutdown.js';
import { EventMarks, positionOf } from './event-marks.js';

export class EventMarker {
  private unregister: (() => void) | null = null;

  constructor(
    readonly marks: EventMarks,
    private readonly store: StateStore,
    private readonly hooks: ShutdownHooks,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.marks.open();
    this.unregister = this.hooks.register('eventMarks', () => this.marks.flush());
  }

  stop(): void {
    this.unregister?.();
    this.unregister = null;
    this.marks.close();
  }

  /** Records a mark; null (logged) when the database refuses it. */
  mark(source: EventMark['source'], atMs: number): EventMark | null {
    let mark: EventMark;
    try {
      mark = this.marks.add({ time: new Date(atMs).toISOString(), source, position: positionOf(this.store.get('gps')) });
    } catch (err) {
      this.log.error({ err, source }, 'event mark could not be stored');
      return null;
    }
    this.log.info({ id: mark.id, source, position: mark.position }, 'event marked');
    this.store.emitEvent('events', 'mark', { ...mark });
    return mark;
  }
}
