/**
 * The download queue, persisted in dataDir/jobs.sqlite: what each job is,
 * its file, and the state the user asked for (paused, cancelled...). A
 * job's exact progress lives in its MBTiles file; the copy here is a
 * cache for listing jobs without opening every file.
 */
import Database from 'better-sqlite3';
import type { JobState } from '../daemon/protocol.js';
import type { JobSpec } from './job-spec.js';
import type { JobProgress } from './mbtiles.js';

export interface JobRecord {
  id: string;
  createdAt: number;
  spec: JobSpec;
  file: string;
  state: JobState;
  reason: string | null;
  /** Exact tile count per zoom, from the estimate at creation. */
  totals: Record<number, number>;
  progress: JobProgress | null;
  /** When the job last started running (ms), for durations in summaries. */
  startedAt: number | null;
  /** Set by a refresh: tiles fetched before this time (ms) are revalidated. */
  refreshBefore: number | null;
  /** Bytes the job's file (with its WAL) takes on disk, read when the job last stopped; not stored. */
  fileBytes?: number | null;
}

interface Row {
  id: string;
  created_at: number;
  spec: string;
  file: string;
  state: string;
  reason: string | null;
  totals: string;
  progress: string | null;
  started_at: number | null;
  refresh_before: number | null;
}

export class JobStore {
  private db: Database.Database | null = null;

  constructor(private readonly file: string) {}

  open(): void {
    const db = new Database(this.file);
    db.pragma('journal_mode = WAL');
    // FULL: a pause or cancel acknowledged to the user must survive a power cut.
    db.pragma('synchronous = FULL');
    db.exec(`CREATE TABLE IF NOT EXISTS jobs (
      id TEXT PRIMARY KEY, created_at INTEGER NOT NULL, spec TEXT NOT NULL, file TEXT NOT NULL,
      state TEXT NOT NULL, reason TEXT, totals TEXT NOT NULL, progress TEXT, started_at INTEGER, refresh_before INTEGER)`);
    this.db = db;
  }

  close(): void {
    this.db?.close();
    this.db = null;
  }

  private get conn(): Database.Database {
    if (!this.db) throw new Error('job store is not open');
    return this.db;
  }

  all(): JobRecord[] {
    const rows = this.conn.prepare('SELECT * FROM jobs ORDER BY created_at, id').all() as Row[];
    return rows.map(fromRow);
  }

  insert(job: JobRecord): void {
    this.conn
      .prepare('INSERT INTO jobs (id, created_at, spec, file, state, reason, totals, progress, started_at, refresh_before) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(job.id, job.createdAt, JSON.stringify(job.spec), job.file, job.state, job.reason, JSON.stringify(job.totals), job.progress ? JSON.stringify(job.progress) : null, job.startedAt, job.refreshBefore);
  }

  update(job: JobRecord): void {
    this.conn
      .prepare('UPDATE jobs SET state = ?, reason = ?, progress = ?, started_at = ?, refresh_before = ? WHERE id = ?')
      .run(job.state, job.reason, job.progress ? JSON.stringify(job.progress) : null, job.startedAt, job.refreshBefore, job.id);
  }

  delete(id: string): void {
    this.conn.prepare('DELETE FROM jobs WHERE id = ?').run(id);
  }
}

function fromRow(r: Row): JobRecord {
  return {
    id: r.id,
    createdAt: r.created_at,
    spec: JSON.parse(r.spec) as JobSpec,
    file: r.file,
    state: r.state as JobState,
    reason: r.reason,
    totals: JSON.parse(r.totals) as Record<number, number>,
    progress: r.progress ? (JSON.parse(r.progress) as JobProgress) : null,
    startedAt: r.started_at,
    refreshBefore: r.refresh_before ?? null,
  };
}
