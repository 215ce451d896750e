/**
 * The current track as this page has seen it: fixes from the live gps topic,
 * kept from page load (bounded), so the map can draw where the car has been
 * even while another screen was open.
 */
import type { Connection } from './connection.js';

const MAX_POINTS = 20_000;
/** Ignore jitter while standing still. */
const MIN_STEP_DEG = 0.00002;

export class Track {
  readonly points: Array<[lat: number, lon: number]> = [];
  private readonly listeners = new Set<(p: [number, number]) => void>();
  private lastTime = '';

  constructor(conn: Connection) {
    conn.onState((s) => {
      const fix = s.gps.fix;
      if (!fix || fix.mode === 'none' || fix.time === this.lastTime) return;
      this.lastTime = fix.time;
      const last = this.points[this.points.length - 1];
      if (last && Math.abs(last[0] - fix.lat) < MIN_STEP_DEG && Math.abs(last[1] - fix.lon) < MIN_STEP_DEG) return;
      const p: [number, number] = [fix.lat, fix.lon];
      this.points.push(p);
      if (this.points.length > MAX_POINTS) this.points.splice(0, this.points.length - MAX_POINTS);
      for (const fn of this.listeners) fn(p);
    });
  }

  onPoint(fn: (p: [number, number]) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
}
