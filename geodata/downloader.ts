/**
 * Runs one download job (inside its worker thread): walks the area lazily
 * from the committed cursor, fetches within the source's connection and rate
 * limits, checks each body, and commits tiles in order. Tiles finishing out of
 * order wait in a bounded window until everything before them is done, so the
 * committed cursor always means "every tile before this one is processed" and
 * counters in the same transaction are exact.
 */
import { setMaxListeners } from 'node:events';
import { TileArea, type Cursor } from './area.js';
import { tileUrl } from './job-spec.js';
import { MbtilesWriter, emptyProgress, type JobProgress, type TileMeta, type TileSkip, type TileWrite } from './mbtiles.js';
import { checkImage } from './image.js';
import { TileFetcher } from './fetcher.js';
import { RateGate, sleep } from './rate-gate.js';
import type { Tile } from './tiles.js';
import type { WorkerInput, WorkerMessage, WorkerRunState } from './worker-protocol.js';

type Outcome =
  | { kind: 'stored'; data: Buffer; meta: TileMeta }
  /** Refresh: the source confirmed the stored tile (304), or it is younger than the refresh cut-off. */
  | { kind: 'notModified'; meta: TileMeta }
  | { kind: 'fresh' }
  | { kind: 'missing' | 'failed'; reason: string };

interface Slot {
  tile: Tile;
  outcome: Outcome | null;
}

const PROGRESS_INTERVAL_MS = 250;

export class Downloader {
  private stopping = false;
  private fatal: string | null = null;
  private offline = false;
  private offlineReason: string | null = null;
  /** Requests in a row that got no response at all; many of them mean the network is gone. */
  private noResponseStreak = 0;
  private readonly abort = new AbortController();
  private readonly gate: RateGate;
  private readonly fetcher: TileFetcher;
  private progress: JobProgress = emptyProgress(null);
  private writer: MbtilesWriter | null = null;
  private completed = { tiles: 0, bytes: 0 };
  /** Bytes of finished bodies waiting in the window for their commit. */
  private heldBytes = 0;
  private rates = { tilesPerS: 0, bytesPerS: 0 };

  constructor(
    private readonly input: WorkerInput,
    private readonly post: (m: WorkerMessage) => void,
  ) {
    const s = input.spec.source;
    // Every request and backoff sleep listens on this one signal: more than the default 10.
    setMaxListeners(0, this.abort.signal);
    this.gate = new RateGate(s.maxRequestsPerSecond);
    this.fetcher = new TileFetcher({ userAgent: input.userAgent, headers: s.headers, maxConnections: s.maxConnections, idleTimeoutMs: input.tuning.idleTimeoutMs, maxBodyBytes: 4 * 1024 * 1024 });
  }

  /** Asks the job to stop: in-flight requests are aborted and finished tiles committed. */
  stop(): void {
    this.stopping = true;
    this.abort.abort();
  }

  async run(): Promise<void> {
    let writer: MbtilesWriter | null = null;
    try {
      const { spec, file } = this.input;
      writer = this.writer = new MbtilesWriter(file);
      const area = new TileArea(spec.area, spec.minZoom, spec.maxZoom);
      const b = area.bounds();
      writer.setMetadata({ name: spec.name, format: spec.source.format, bounds: b, center: [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2, spec.minZoom], minzoom: spec.minZoom, maxzoom: spec.maxZoom, attribution: spec.source.attribution });
      const stored = writer.readProgress();
      const refresh = this.input.refreshBefore ?? null;
      // A new job, or a new refresh pass, starts from the first tile; anything else resumes.
      if (stored && (refresh === null || stored.refreshBefore === refresh)) this.progress = stored;
      else {
        const first = area.tiles().next();
        this.progress = { ...emptyProgress(first.done ? null : cursorOf(first.value)), ...(refresh === null ? {} : { refreshBefore: refresh, notModified: 0 }) };
        writer.commit([], [], this.progress);
      }
      if (this.progress.cursor) await this.download(writer, area, this.progress.cursor);
      if (this.fatal) this.post({ type: 'failed', reason: this.fatal, progress: this.progress });
      else if (this.progress.cursor === null) {
        writer.checkpoint();
        this.post({ type: 'finished', progress: this.progress });
      } else this.post({ type: 'stopped', progress: this.progress });
    } catch (err) {
      this.post({ type: 'failed', reason: `internal error: ${(err as Error).message}`, progress: this.progress });
    } finally {
      writer?.close();
      this.fetcher.close();
    }
  }

  private async download(writer: MbtilesWriter, area: TileArea, from: Cursor): Promise<void> {
    const { tuning, spec } = this.input;
    const it = area.tiles(from);
    const pull = (): Tile | null => {
      const n = it.next();
      return n.done ? null : n.value;
    };
    let peeked = pull();
    const window: Slot[] = [];
    // Uncommitted work (in flight or finished but waiting for an earlier tile) never
    // exceeds one batch, so a crash redoes at most one batch. Committing at half a
    // batch keeps the window from draining at every batch boundary.
    const windowMax = Math.max(tuning.batchSize, spec.source.maxConnections * 2);
    const commitAt = Math.max(1, Math.floor(windowMax / 2));
    // Large tiles: bodies held in the window are bounded too; past half of the
    // bound whatever is finished in order is committed, at the bound no new request starts.
    const maxHeld = tuning.maxHeldBytes;
    let inFlight = 0;

    const commit = (force: boolean): void => {
      let n = 0;
      while (n < window.length && window[n]!.outcome) n++;
      if (n === 0 || (!force && n < commitAt && this.heldBytes < maxHeld / 2)) return;
      const next = window[n]?.tile ?? peeked;
      const [writes, skips, progress] = this.account(window.slice(0, n), next ? cursorOf(next) : null);
      writer.commit(writes, skips, progress);
      // Only a committed batch leaves the window and counts.
      window.splice(0, n);
      for (const w of writes) this.heldBytes -= w.data?.length ?? 0;
      this.progress = progress;
    };
    const commitTimer = setInterval(() => {
      try {
        commit(true);
      } catch (err) {
        this.fail(`cannot write ${this.input.file}: ${(err as Error).message}`);
      }
    }, tuning.commitIntervalMs);
    const progressTimer = setInterval(() => this.postProgress(), PROGRESS_INTERVAL_MS);
    try {
      await new Promise<void>((resolve, reject) => {
        const pump = (): void => {
          while (!this.stopping && peeked && inFlight < spec.source.maxConnections && window.length < windowMax && this.heldBytes < maxHeld) {
            const slot: Slot = { tile: peeked, outcome: null };
            peeked = pull();
            window.push(slot);
            inFlight++;
            this.fetchTile(slot)
              .then(() => {
                inFlight--;
                commit(false);
                pump();
              })
              .catch(reject);
          }
          if (inFlight === 0 && (this.stopping || !peeked)) resolve();
        };
        pump();
      });
    } finally {
      clearInterval(commitTimer);
      clearInterval(progressTimer);
    }
    commit(true);
  }

  /** Folds finished slots into new counters (not yet applied); returns the arguments of one commit. */
  private account(done: Slot[], cursor: Cursor | null): [TileWrite[], TileSkip[], JobProgress] {
    const p: JobProgress = { ...this.progress, perZoom: { ...this.progress.perZoom }, cursor };
    const writes: TileWrite[] = [];
    const skips: TileSkip[] = [];
    for (const { tile, outcome } of done) {
      const z = { ...(p.perZoom[tile.z] ?? { done: 0, missing: 0, failed: 0 }) };
      z.done++;
      p.done++;
      const o = outcome!;
      if (o.kind === 'stored') {
        writes.push({ ...tile, data: o.data, meta: o.meta });
        p.stored++;
        p.bytes += o.data.length;
      } else if (o.kind === 'notModified' || o.kind === 'fresh') {
        if (o.kind === 'notModified') writes.push({ ...tile, data: null, meta: o.meta });
        p.stored++;
        p.notModified = (p.notModified ?? 0) + 1;
      } else {
        skips.push({ ...tile, kind: o.kind, reason: o.reason });
        p[o.kind]++;
        z[o.kind]++;
      }
      p.perZoom[tile.z] = z;
    }
    return [writes, skips, p];
  }

  /** Downloads one tile with retries; leaves slot.outcome null only when stopping. */
  private async fetchTile(slot: Slot): Promise<void> {
    const { tuning, spec } = this.input;
    const { z, x, y } = slot.tile;
    const url = tileUrl(spec.source, z, x, y);
    const signal = this.abort.signal;
    let attempts = 0;
    let rateLimited = 0;
    let offlineDelay = 250;
    let reason = '';
    // A refresh pass skips tiles fetched after its cut-off and revalidates the others.
    const refresh = this.input.refreshBefore ?? null;
    const known = refresh === null ? null : this.writer!.tileState(z, x, y);
    if (known?.stored && known.meta && known.meta.fetchedAt >= refresh!) return this.finish(slot, { kind: 'fresh' });
    const conditional = known?.stored && known.meta ? known.meta : undefined;
    while (!this.stopping) {
      await this.gate.acquire(signal);
      if (this.stopping) return;
      const r = await this.fetcher.get(url, signal, conditional);
      if (r.kind === 'aborted') return;
      // Keep-alive sockets on a network that vanished just time out: once every
      // connection's last request got no answer, treat it as offline, not as tile failures.
      const deadNetwork = r.kind === 'transient' && r.noResponse === true && ++this.noResponseStreak >= Math.max(3, spec.source.maxConnections);
      if (r.kind === 'offline' || deadNetwork) {
        this.setOffline(r.kind === 'offline' ? r.reason : `no response to ${this.noResponseStreak} requests in a row`);
        await sleep(offlineDelay, signal);
        offlineDelay = Math.min(tuning.offlineProbeMaxMs, offlineDelay * 2);
        continue;
      }
      if (r.kind !== 'transient' || !r.noResponse) {
        this.noResponseStreak = 0;
        this.setOffline(null);
      }
      if (r.kind === 'notModified') {
        this.gate.succeeded();
        return this.finish(slot, { kind: 'notModified', meta: { etag: r.etag, lastModified: r.lastModified, fetchedAt: Date.now() } });
      }
      if (r.kind === 'ok') {
        const bad = checkImage(r.body, spec.source.format);
        if (bad === null) {
          this.gate.succeeded();
          this.finish(slot, { kind: 'stored', data: r.body, meta: { etag: r.etag, lastModified: r.lastModified, fetchedAt: Date.now() } });
          return;
        }
        reason = `invalid body: ${bad}`;
      } else if (r.kind === 'status') {
        const s = r.status;
        if (s === 404 || s === 410) return this.finish(slot, { kind: 'missing', reason: `HTTP ${s}` });
        if (s === 401 || s === 403 || s === 418) {
          this.fail(`blocked by source ${spec.source.name}: HTTP ${s} for ${z}/${x}/${y}`);
          return;
        }
        if (s === 429 || s === 503) {
          // The source asks everyone to slow down: pause the whole gate, not just this tile.
          this.gate.slowDown(Math.min(r.retryAfterMs ?? tuning.defaultRetryAfterMs, tuning.maxRetryAfterMs));
          if (++rateLimited <= 50) continue;
          reason = `HTTP ${s} (rate limited ${rateLimited} times)`;
        } else if (s >= 500 || s === 408) reason = `HTTP ${s}`;
        else return this.finish(slot, { kind: 'failed', reason: `HTTP ${s}` });
      } else reason = r.reason;
      attempts++;
      if (attempts >= tuning.maxAttempts) return this.finish(slot, { kind: 'failed', reason: `${reason} after ${attempts} attempts` });
      // Exponential backoff with full jitter.
      await sleep(Math.random() * Math.min(tuning.backoffMaxMs, tuning.backoffBaseMs * 2 ** attempts), signal);
    }
  }

  private finish(slot: Slot, outcome: Outcome): void {
    slot.outcome = outcome;
    this.completed.tiles++;
    if (outcome.kind === 'stored') {
      this.completed.bytes += outcome.data.length;
      this.heldBytes += outcome.data.length;
    }
  }

  private fail(reason: string): void {
    if (this.fatal === null) this.fatal = reason;
    this.stop();
  }

  private setOffline(reason: string | null): void {
    const changed = (reason !== null) !== this.offline;
    this.offline = reason !== null;
    this.offlineReason = reason;
    if (changed) this.postProgress();
  }

  private last = { at: Date.now(), tiles: 0, bytes: 0 };

  private postProgress(): void {
    const now = Date.now();
    const dt = Math.max(1, now - this.last.at) / 1000;
    const a = 0.3; // exponential smoothing of per-interval rates
    this.rates = {
      tilesPerS: (1 - a) * this.rates.tilesPerS + (a * (this.completed.tiles - this.last.tiles)) / dt,
      bytesPerS: (1 - a) * this.rates.bytesPerS + (a * (this.completed.bytes - this.last.bytes)) / dt,
    };
    this.last = { at: now, ...this.completed };
    const pausedMs = this.gate.pausedForMs();
    const state: WorkerRunState = this.offline ? 'waitingForNetwork' : pausedMs > 0 ? 'backingOff' : 'running';
    const reason = this.offline ? `network unreachable (${this.offlineReason})` : pausedMs > 0 ? `source asked to slow down; waiting ${Math.ceil(pausedMs / 1000)} s` : null;
    this.post({ type: 'progress', state, progress: this.progress, ...this.rates, reason });
  }
}

function cursorOf(t: Tile): Cursor {
  return { z: t.z, y: t.y, x: t.x };
}
