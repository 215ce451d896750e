/**
 * Event marks ("something happened here") in SQLite, the source of truth
 * that survives a power cut: one row per mark, written before it is
 * announced. WAL with synchronous=NORMAL keeps the file consistent after a
 * crash; flush() checkpoints the WAL into the main file before power-off.
 */
import Database from 'better-sqlite3';
import type { EventMark, GpsState } from './protocol.js';

interface Row {
  id: number;
  time: string;
  source: EventMark['source'];
  lat: number | null;
  lon: number | null;
  altitude: number | null;
  speed: number | null;
  track: number | null;
  mode: string | null;
  fix_time: string | null;
  stale: number | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS marks (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  time TEXT NOT NULL,
  source TEXT NOT NULL,
  lat REAL, lon REAL, altitude REAL, speed REAL, track REAL,
  mode TEXT, fix_time TEXT, stale INTEGER
);
`;

/** The position part of a mark from the current gps topic. */
export function positionOf(gps: Readonly<GpsState>): EventMark['position'] {
  const f = gps.fix;
  if (!f) return null;
  return { lat: f.lat, lon: f.lon, altitude: f.altitude, speed: f.speed, track: f.track, mode: f.mode, fixTime: f.time, stale: gps.stale };
}

export class EventMarks {
  private db: Database.Database | null = null;

  constructor(private readonly file: string) {}

  open(): void {
    if (this.db) return;
    const db = new Database(this.file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec(SCHEMA);
    this.db = db;
  }

  close(): void {
    this.db?.close();
    this.db = null;
  }

  add(mark: Omit<EventMark, 'id'>): EventMark {
    const p = mark.position;
    const info = this.handle()
      .prepare('INSERT INTO marks (time, source, lat, lon, altitude, speed, track, mode, fix_time, stale) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(mark.time, mark.source, p?.lat ?? null, p?.lon ?? null, p?.altitude ?? null, p?.speed ?? null, p?.track ?? null, p?.mode ?? null, p?.fixTime ?? null, p ? Number(p.stale) : null);
    return { ...mark, id: Number(info.lastInsertRowid) };
  }

  /** Newest first. */
  list(limit: number, beforeId?: number): EventMark[] {
    const rows = this.handle()
      .prepare('SELECT * FROM marks WHERE id < ? ORDER BY id DESC LIMIT ?')
      .all(beforeId ?? Number.MAX_SAFE_INTEGER, limit) as Row[];
    return rows.map(fromRow);
  }

  /** Moves the WAL into the database file, so nothing depends on the -wal file. */
  flush(): void {
    this.db?.pragma('wal_checkpoint(TRUNCATE)');
  }

  private handle(): Database.Database {
    if (!this.db) throw new Error('event marks database is not open');
    return this.db;
  }
}

function fromRow(r: Row): EventMark {
  const position: EventMark['position'] =
    r.lat === null || r.lon === null
      ? null
      : {
          lat: r.lat,
          lon: r.lon,
          altitude: r.altitude,
          speed: r.speed,
          track: r.track,
          mode: (r.mode ?? 'none') as NonNullable<EventMark['position']>['mode'],
          fixTime: r.fix_time ?? '',
          stale: r.stale === 1,
        };
  return { id: r.id, time: r.time, source: r.source, position };
}
