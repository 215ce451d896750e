/**
 * Download areas (bbox, radius around a point, corridor along a route) as
 * lazy tile sets. Each area answers, per zoom and tile row, the sorted x
 * intervals it covers; counting sums interval lengths and enumeration walks
 * them, so neither ever holds a list of tiles. Both use the same intervals,
 * so a count is exactly the number of tiles the enumerator yields.
 *
 * Enumeration order is z, then y (north to south), then x (west to east). A
 * Cursor names the next tile to process; enumerating "from" it resumes a job.
 */
import { bboxToTileRange, lonLatToWorld, MERCATOR_RADIUS_M, tileXToLon, tileYToLat, type BBox, type Tile } from './tiles.js';

export type LonLat = readonly [lon: number, lat: number];

export type AreaSpec =
  | { type: 'bbox'; bbox: BBox }
  | { type: 'radius'; center: LonLat; radiusKm: number }
  /** Tiles within widthKm / 2 of any line (a route; several lines for gaps). */
  | { type: 'corridor'; lines: readonly (readonly LonLat[])[]; widthKm: number };

export interface Cursor {
  z: number;
  y: number;
  x: number;
}

/** Inclusive [x0, x1] runs of tiles in one row, sorted and disjoint. */
export type Intervals = Array<readonly [number, number]>;

/** A segment in normalized Web Mercator units ([0,1] both axes, y southwards) with its buffer radius. */
interface Segment {
  ax: number;
  ay: number;
  bx: number;
  by: number;
  r: number;
  minY: number;
  maxY: number;
}

/** Segments longer than this are split so the local Mercator scale stays accurate (~0.1 %). */
const MAX_SEGMENT_M = 5_000;

export class TileArea {
  private readonly segments: Segment[] | null;

  constructor(
    readonly spec: AreaSpec,
    readonly minZoom: number,
    readonly maxZoom: number,
  ) {
    this.segments = spec.type === 'bbox' ? null : buildSegments(spec);
  }

  /** First and last tile row touched at zoom z, or null when the area is empty there. */
  rowRange(z: number): readonly [number, number] | null {
    const n = 2 ** z;
    if (this.spec.type === 'bbox') {
      const r = bboxToTileRange(this.spec.bbox, z);
      return [r.minY, r.maxY];
    }
    const segs = this.segments ?? [];
    if (segs.length === 0) return null;
    let lo = Infinity;
    let hi = -Infinity;
    for (const s of segs) {
      lo = Math.min(lo, s.minY);
      hi = Math.max(hi, s.maxY);
    }
    return [clampInt(Math.floor(lo * n), n), clampInt(Math.floor(hi * n), n)];
  }

  /** Rows at zoom z starting at row `fromY`, each with its x intervals (empty rows are skipped). */
  *rows(z: number, fromY = 0): Generator<{ y: number; intervals: Intervals }> {
    const range = this.rowRange(z);
    if (!range) return;
    if (this.spec.type === 'bbox') {
      const r = bboxToTileRange(this.spec.bbox, z);
      for (let y = Math.max(range[0], fromY); y <= range[1]; y++) yield { y, intervals: [[r.minX, r.maxX]] };
      return;
    }
    // Sweep: segments sorted by the first row they touch; the active list holds those reaching the current row.
    const n = 2 ** z;
    const segs = [...(this.segments ?? [])].sort((a, b) => a.minY - b.minY);
    let next = 0;
    let active: Segment[] = [];
    for (let y = Math.max(range[0], fromY); y <= range[1]; y++) {
      while (next < segs.length && Math.floor((segs[next] as Segment).minY * n) <= y) active.push(segs[next++] as Segment);
      active = active.filter((s) => Math.floor(s.maxY * n) >= y);
      if (active.length === 0) {
        if (next >= segs.length) return;
        // Jump over empty rows to the next segment.
        y = Math.max(y, Math.floor((segs[next] as Segment).minY * n) - 1);
        continue;
      }
      const runs: Array<[number, number]> = [];
      for (const s of active) {
        const run = segmentRowRun(s, z, y);
        if (run) runs.push(run);
      }
      if (runs.length > 0) yield { y, intervals: mergeRuns(runs) };
    }
  }

  /** Exact number of tiles at zoom z. */
  countZoom(z: number): number {
    if (this.spec.type === 'bbox') {
      const r = bboxToTileRange(this.spec.bbox, z);
      return (r.maxX - r.minX + 1) * (r.maxY - r.minY + 1);
    }
    let total = 0;
    for (const row of this.rows(z)) for (const [a, b] of row.intervals) total += b - a + 1;
    return total;
  }

  /** Tile counts keyed by zoom, minZoom..maxZoom. */
  counts(): Record<number, number> {
    const out: Record<number, number> = {};
    for (let z = this.minZoom; z <= this.maxZoom; z++) out[z] = this.countZoom(z);
    return out;
  }

  total(): number {
    return Object.values(this.counts()).reduce((a, b) => a + b, 0);
  }

  /** Lazily yields every tile from `from` (inclusive) onwards. */
  *tiles(from?: Cursor): Generator<Tile> {
    const startZ = from ? Math.max(from.z, this.minZoom) : this.minZoom;
    for (let z = startZ; z <= this.maxZoom; z++) {
      const resume = from && z === from.z;
      for (const row of this.rows(z, resume ? from.y : 0)) {
        const minX = resume && row.y === from.y ? from.x : 0;
        for (const [a, b] of row.intervals) for (let x = Math.max(a, minX); x <= b; x++) yield { z, x, y: row.y };
      }
    }
  }

  /** Geographic bounds of the area (for MBTiles metadata). */
  bounds(): BBox {
    if (this.spec.type === 'bbox') return this.spec.bbox;
    const segs = this.segments ?? [];
    let [x0, y0, x1, y1] = [1, 1, 0, 0];
    for (const s of segs) {
      x0 = Math.min(x0, s.ax - s.r, s.bx - s.r);
      x1 = Math.max(x1, s.ax + s.r, s.bx + s.r);
      y0 = Math.min(y0, s.minY);
      y1 = Math.max(y1, s.maxY);
    }
    const c = (v: number): number => Math.min(1, Math.max(0, v));
    return [tileXToLon(c(x0), 0), tileYToLat(c(y1), 0), tileXToLon(c(x1), 0), tileYToLat(c(y0), 0)];
  }
}

function clampInt(v: number, n: number): number {
  return Math.min(n - 1, Math.max(0, v));
}

/** Normalized Mercator position of a point and the Mercator length of one ground metre there. */
function norm(p: LonLat): { x: number; y: number; perM: number } {
  const w = lonLatToWorld(p[0], p[1], 0);
  const cos = Math.max(0.01, Math.cos((p[1] * Math.PI) / 180));
  return { x: w.x, y: w.y, perM: 1 / (2 * Math.PI * MERCATOR_RADIUS_M * cos) };
}

function buildSegments(spec: Exclude<AreaSpec, { type: 'bbox' }>): Segment[] {
  const halfM = spec.type === 'radius' ? spec.radiusKm * 1000 : (spec.widthKm * 1000) / 2;
  const lines = spec.type === 'radius' ? [[spec.center]] : spec.lines;
  const out: Segment[] = [];
  const push = (a: LonLat, b: LonLat): void => {
    const pa = norm(a);
    const pb = norm(b);
    // The larger scale of the two ends keeps the buffer at least halfM wide on the ground.
    const r = halfM * Math.max(pa.perM, pb.perM);
    out.push({ ax: pa.x, ay: pa.y, bx: pb.x, by: pb.y, r, minY: Math.min(pa.y, pb.y) - r, maxY: Math.max(pa.y, pb.y) + r });
  };
  for (const line of lines) {
    if (line.length === 1) push(line[0] as LonLat, line[0] as LonLat);
    for (let i = 1; i < line.length; i++) {
      const a = line[i - 1] as LonLat;
      const b = line[i] as LonLat;
      // Split long segments (an equirectangular estimate of length is enough to decide).
      const lenM = Math.hypot((b[0] - a[0]) * Math.cos((((a[1] + b[1]) / 2) * Math.PI) / 180), b[1] - a[1]) * 111_195;
      const parts = Math.max(1, Math.ceil(lenM / MAX_SEGMENT_M));
      for (let k = 0; k < parts; k++) {
        const t0 = k / parts;
        const t1 = (k + 1) / parts;
        push([a[0] + (b[0] - a[0]) * t0, a[1] + (b[1] - a[1]) * t0], [a[0] + (b[0] - a[0]) * t1, a[1] + (b[1] - a[1]) * t1]);
      }
    }
  }
  return out;
}

/** Distance from point (px,py) to segment (ax,ay)-(bx,by). */
function pointSegDist(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / len2));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

function pointRectDist(px: number, py: number, x0: number, y0: number, x1: number, y1: number): number {
  return Math.hypot(Math.max(x0 - px, 0, px - x1), Math.max(y0 - py, 0, py - y1));
}

function segmentsCross(ax: number, ay: number, bx: number, by: number, cx: number, cy: number, dx: number, dy: number): boolean {
  const o = (px: number, py: number, qx: number, qy: number, rx: number, ry: number): number => Math.sign((qx - px) * (ry - py) - (qy - py) * (rx - px));
  return o(ax, ay, bx, by, cx, cy) * o(ax, ay, bx, by, dx, dy) <= 0 && o(cx, cy, dx, dy, ax, ay) * o(cx, cy, dx, dy, bx, by) <= 0;
}

/** Distance between segment and the unit tile square at (tx, ty), world units at zoom z. */
function segTileDist(ax: number, ay: number, bx: number, by: number, tx: number, ty: number): number {
  const x1 = tx + 1;
  const y1 = ty + 1;
  if (pointRectDist(ax, ay, tx, ty, x1, y1) === 0 || pointRectDist(bx, by, tx, ty, x1, y1) === 0) return 0;
  const edges: Array<[number, number, number, number]> = [[tx, ty, x1, ty], [x1, ty, x1, y1], [x1, y1, tx, y1], [tx, y1, tx, ty]];
  if (edges.some((e) => segmentsCross(ax, ay, bx, by, ...e))) return 0;
  return Math.min(
    pointRectDist(ax, ay, tx, ty, x1, y1),
    pointRectDist(bx, by, tx, ty, x1, y1),
    ...edges.map((e) => pointSegDist(e[0], e[1], ax, ay, bx, by)),
  );
}

/**
 * The run of tiles in row y at zoom z within distance r of the segment. The set
 * is convex, so it is one run: find one tile known to be inside, then binary
 * search each end of the conservative range for the first tile inside.
 */
function segmentRowRun(s: Segment, z: number, y: number): [number, number] | null {
  const n = 2 ** z;
  const ax = s.ax * n;
  const ay = s.ay * n;
  const bx = s.bx * n;
  const by = s.by * n;
  const r = s.r * n;
  // A point of the segment closest (vertically) to the strip [y, y+1].
  let px: number;
  let py: number;
  if (ay === by) {
    px = ay >= y && ay <= y + 1 ? (ax + bx) / 2 : ax;
    py = ay;
  } else {
    const clampT = (t: number): number => Math.max(0, Math.min(1, t));
    const tIn = clampT((Math.min(Math.max(y, Math.min(ay, by)), Math.max(ay, by)) - ay) / (by - ay));
    const tIn2 = clampT((Math.min(Math.max(y + 1, Math.min(ay, by)), Math.max(ay, by)) - ay) / (by - ay));
    const t = (tIn + tIn2) / 2;
    px = ax + (bx - ax) * t;
    py = ay + (by - ay) * t;
  }
  const dy = Math.max(y - py, 0, py - (y + 1));
  if (dy > r) return null;
  const inside = (x: number): boolean => segTileDist(ax, ay, bx, by, x, y) <= r;
  const peak = clampInt(Math.floor(px), n);
  if (!inside(peak)) return null;
  const lo = clampInt(Math.floor(Math.min(ax, bx) - r), n);
  const hi = clampInt(Math.floor(Math.max(ax, bx) + r), n);
  return [firstTrue(lo, peak, inside), lastTrue(peak, hi, inside)];
}

/** Smallest x in [lo, hi] with pred(x), given pred(hi) and monotone false..true. */
function firstTrue(lo: number, hi: number, pred: (x: number) => boolean): number {
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (pred(mid)) hi = mid;
    else lo = mid + 1;
  }
  return hi;
}

/** Largest x in [lo, hi] with pred(x), given pred(lo) and monotone true..false. */
function lastTrue(lo: number, hi: number, pred: (x: number) => boolean): number {
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (pred(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function mergeRuns(runs: Array<[number, number]>): Intervals {
  runs.sort((a, b) => a[0] - b[0]);
  const out: Array<[number, number]> = [];
  for (const r of runs) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else out.push([r[0], r[1]]);
  }
  return out;
}
