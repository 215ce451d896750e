/**
 * The trip database: SQLite in WAL mode with synchronous=FULL, because a
 * dashcam loses power without warning and each commit must be on the card
 * when it returns (NORMAL may drop the last commits on power loss). Times are
 * GPS times in ms since the epoch. Writes are batched by the recorder: one
 * transaction per batch, with the trip's summary updated in the same one.
 */
import Database from 'better-sqlite3';
import type { FixMode } from '../protocol.js';

export interface TrackPoint {
  /** GPS time, ms since the epoch. */
  t: number;
  lat: number;
  lon: number;
  ele: number | null;
  speed: number | null;
  course: number | null;
  hdop: number | null;
  sats: number | null;
  fix: FixMode;
}

export type EndReason = 'stop' | 'ignition' | 'shutdown' | 'interrupted';

export interface TripSummary {
  id: number;
  startedAt: number;
  /** Time of the last stored point (the end, once the trip is closed). */
  lastAt: number;
  endedAt: number | null;
  endReason: EndReason | null;
  points: number;
  distanceM: number;
}

interface TripRow {
  id: number;
  started_at: number;
  last_at: number;
  ended_at: number | null;
  end_reason: EndReason | null;
  points: number;
  distance_m: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS trips (
  id INTEGER PRIMARY KEY,
  started_at INTEGER NOT NULL,
  last_at INTEGER NOT NULL,
  ended_at INTEGER,
  end_reason TEXT,
  points INTEGER NOT NULL DEFAULT 0,
  distance_m REAL NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS points (
  trip_id INTEGER NOT NULL REFERENCES trips(id) ON DELETE CASCADE,
  t INTEGER NOT NULL,
  lat REAL NOT NULL,
  lon REAL NOT NULL,
  ele REAL,
  speed REAL,
  course REAL,
  hdop REAL,
  sats INTEGER,
  fix TEXT NOT NULL,
  PRIMARY KEY (trip_id, t)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS points_by_time ON points(t);
`;

const toSummary = (r: TripRow): TripSummary => ({
  id: r.id,
  startedAt: r.started_at,
  lastAt: r.last_at,
  endedAt: r.ended_at,
  endReason: r.end_reason,
  points: r.points,
  distanceM: r.distance_m,
});

export class TripDb {
  private db: Database.Database | null = null;

  constructor(private readonly file: string) {}

  open(): void {
    const db = new Database(this.file);
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      db.exec(SCHEMA);
      db.pragma('user_version = 1');
    } catch (err) {
      db.close();
      throw err;
    }
    this.db = db;
  }

  get isOpen(): boolean {
    return this.db !== null;
  }

  close(): void {
    this.db?.close();
    this.db = null;
  }

  private get conn(): Database.Database {
    if (!this.db) throw new Error('trip database is not open');
    return this.db;
  }

  /** Trips left open by a crash or power cut end where their last point is. */
  closeInterrupted(): number {
    return this.conn.prepare("UPDATE trips SET ended_at = last_at, end_reason = 'interrupted' WHERE ended_at IS NULL").run().changes;
  }

  createTrip(startedAt: number): number {
    const r = this.conn.prepare('INSERT INTO trips (started_at, last_at) VALUES (?, ?)').run(startedAt, startedAt);
    return Number(r.lastInsertRowid);
  }

  /** One transaction: the points and the trip's summary. Duplicate times are ignored. */
  appendPoints(tripId: number, points: readonly TrackPoint[], addedDistanceM: number): void {
    if (points.length === 0) return;
    const db = this.conn;
    const insert = db.prepare(
      'INSERT OR IGNORE INTO points (trip_id, t, lat, lon, ele, speed, course, hdop, sats, fix) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const update = db.prepare('UPDATE trips SET last_at = MAX(last_at, ?), points = points + ?, distance_m = distance_m + ? WHERE id = ?');
    db.transaction(() => {
      let added = 0;
      for (const p of points) added += insert.run(tripId, p.t, p.lat, p.lon, p.ele, p.speed, p.course, p.hdop, p.sats, p.fix).changes;
      update.run(points[points.length - 1]!.t, added, addedDistanceM, tripId);
    })();
  }

  endTrip(tripId: number, endedAt: number, reason: EndReason): void {
    this.conn.prepare('UPDATE trips SET ended_at = MAX(last_at, ?), end_reason = ? WHERE id = ? AND ended_at IS NULL').run(endedAt, reason, tripId);
  }

  trip(id: number): TripSummary | null {
    const r = this.conn.prepare('SELECT * FROM trips WHERE id = ?').get(id) as TripRow | undefined;
    return r ? toSummary(r) : null;
  }

  /** Newest first. */
  listTrips(limit: number, beforeId?: number): TripSummary[] {
    const rows = this.conn
      .prepare('SELECT * FROM trips WHERE id < ? ORDER BY id DESC LIMIT ?')
      .all(beforeId ?? Number.MAX_SAFE_INTEGER, limit) as TripRow[];
    return rows.map(toSummary);
  }

  tripPoints(tripId: number): TrackPoint[] {
    return this.conn.prepare('SELECT t, lat, lon, ele, speed, course, hdop, sats, fix FROM points WHERE trip_id = ? ORDER BY t').all(tripId) as TrackPoint[];
  }

  /** Points with from <= t <= to, grouped by trip (ascending). */
  pointsBetween(from: number, to: number, limit: number): Array<{ tripId: number; points: TrackPoint[] }> {
    const rows = this.conn
      .prepare('SELECT trip_id AS tripId, t, lat, lon, ele, speed, course, hdop, sats, fix FROM points WHERE t BETWEEN ? AND ? ORDER BY trip_id, t LIMIT ?')
      .all(from, to, limit) as Array<TrackPoint & { tripId: number }>;
    const out: Array<{ tripId: number; points: TrackPoint[] }> = [];
    for (const { tripId, ...p } of rows) {
      if (out.at(-1)?.tripId !== tripId) out.push({ tripId, points: [] });
      out.at(-1)!.points.push(p);
    }
    return out;
  }

  /** Bytes of live pages (free pages are reused, so this is what counts toward a limit). */
  usedBytes(): number {
    const pageSize = this.conn.pragma('page_size', { simple: true }) as number;
    const pages = this.conn.pragma('page_count', { simple: true }) as number;
    const free = this.conn.pragma('freelist_count', { simple: true }) as number;
    return (pages - free) * pageSize;
  }

  /**
   * Deletes closed trips that ended before `olderThan`, then the oldest closed
   * trips while the database uses more than maxBytes. Returns the deleted ids.
   */
  applyRetention(olderThan: number | null, maxBytes: number | null): number[] {
    const db = this.conn;
    const deleted: number[] = [];
    const del = db.prepare('DELETE FROM trips WHERE id = ?');
    if (olderThan !== null) {
      const old = db.prepare('SELECT id FROM trips WHERE ended_at IS NOT NULL AND ended_at < ?').all(olderThan) as Array<{ id: number }>;
      db.transaction(() => old.forEach((r) => (del.run(r.id), deleted.push(r.id))))();
    }
    if (maxBytes !== null) {
      const oldest = db.prepare('SELECT id FROM trips WHERE ended_at IS NOT NULL ORDER BY id LIMIT 1');
      while (this.usedBytes() > maxBytes) {
        const r = oldest.get() as { id: number } | undefined;
        if (!r) break;
        del.run(r.id);
        deleted.push(r.id);
      }
    }
    return deleted;
  }
}
