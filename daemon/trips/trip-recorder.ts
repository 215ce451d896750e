/**
 * Records trips from the `gps` topic. A trip starts on the first fix after
 * boot or after ignition on, and ends on ignition off or after standing still
 * (or without fix) for endAfterStopMs; after such a stop the next trip starts
 * when the car moves again. Points are kept at most every pointIntervalMs and
 * only after minDistanceM of movement, and committed every commitIntervalMs,
 * which bounds what a power cut can lose.
 */
import type { GpsFix, GpsState } from '../protocol.js';
import type { StateStore } from '../state.js';
import type { Logger } from '../logger.js';
import { distanceM } from '../../drivers/gps/geo.js';
import type { EndReason, TrackPoint, TripDb } from './trip-db.js';

export interface TripRecorderOptions {
  /** false: the database stays readable (API) but nothing new is recorded. */
  enabled: boolean;
  pointIntervalMs: number;
  minDistanceM: number;
  commitIntervalMs: number;
  endAfterStopMs: number;
  stopSpeedMps: number;
  retentionDays: number;
  maxDbBytes: number;
  /** Daemon clock for stop detection (GPS time may jump when the receiver resyncs). */
  now?: () => number;
}

/** When no trip is open: what starts the next one (null: nothing, ignition is off). */
type Armed = 'anyFix' | 'movement' | null;

const RETENTION_EVERY_MS = 3_600_000;

export class TripRecorder {
  private tripId: number | null = null;
  private armed: Armed = 'anyFix';
  private pending: TrackPoint[] = [];
  private pendingDistanceM = 0;
  private lastPoint: TrackPoint | null = null;
  private lastMovingAt = 0;
  private lastFix: GpsFix | null = null;
  /** Previous position fix, to judge movement when the receiver gives no speed. */
  private prevPos: { lat: number; lon: number; t: number } | null = null;
  private lastGpsTime: number | null = null;
  private ignitionOn: boolean | null = null;
  private unsubscribe: (() => void) | null = null;
  private commitTimer: NodeJS.Timeout | null = null;
  private retentionTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly opts: TripRecorderOptions,
    readonly db: TripDb,
    private readonly store: StateStore,
    private readonly log: Logger,
  ) {}

  get currentTripId(): number | null {
    return this.tripId;
  }

  start(): void {
    try {
      this.db.open();
    } catch (err) {
      // A broken trip database must not keep the dashcam from starting: run without trips.
      this.log.error({ err }, 'trip database unavailable; trips are not recorded');
      return;
    }
    const interrupted = this.db.closeInterrupted();
    if (interrupted > 0) this.log.warn({ trips: interrupted }, 'closed trips left open by a crash or power cut');
    this.applyRetention();
    if (!this.opts.enabled) return;
    const gpio = this.store.get('gpio');
    if (gpio.ignition !== null) this.ignition(gpio.ignition);
    this.unsubscribe = this.store.onMessage((msg) => {
      if (msg.type !== 'delta') return;
      if (msg.topic === 'gps') this.onGps(msg.value);
      else if (msg.topic === 'gpio' && msg.value.ignition !== null) this.ignition(msg.value.ignition);
    });
    this.commitTimer = setInterval(() => this.tick(), this.opts.commitIntervalMs);
    this.retentionTimer = setInterval(() => this.applyRetention(), RETENTION_EVERY_MS);
    this.retentionTimer.unref();
  }

  stop(): void {
    if (!this.db.isOpen) return;
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.commitTimer) clearInterval(this.commitTimer);
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    this.commitTimer = this.retentionTimer = null;
    if (this.tripId !== null) this.endTrip('shutdown');
    this.db.close();
  }

  /** The ignition hook (the GPIO feature's ignition state arrives through the store too). */
  ignition(on: boolean): void {
    if (on === this.ignitionOn) return;
    this.ignitionOn = on;
    if (on) {
      if (this.tripId === null) this.armed = 'anyFix';
      return;
    }
    if (this.tripId !== null) this.endTrip('ignition');
    this.armed = null;
  }

  /** Commits pending points now (the API calls this before exporting the open trip). */
  flush(): void {
    if (this.tripId === null || this.pending.length === 0) return;
    try {
      this.db.appendPoints(this.tripId, this.pending, this.pendingDistanceM);
      this.pending = [];
      this.pendingDistanceM = 0;
    } catch (err) {
      // Keep the points for the next attempt, but do not grow without bound (disk full for hours).
      this.log.error({ err, pending: this.pending.length }, 'writing trip points failed');
      if (this.pending.length > 3600) this.pending.splice(0, this.pending.length - 3600);
    }
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  private tick(): void {
    this.flush();
    this.checkStop();
  }

  private onGps(state: GpsState): void {
    const fix = state.fix;
    if (!fix || fix === this.lastFix) return;
    this.lastFix = fix;
    const t = Date.parse(fix.time);
    if (Number.isNaN(t)) return;
    this.lastGpsTime = t;
    if (fix.mode !== 'none') this.onPosition(fix, t);
    this.checkStop();
  }

  private onPosition(fix: GpsFix, t: number): void {
    const moved = this.lastPoint ? distanceM([this.lastPoint.lat, this.lastPoint.lon], [fix.lat, fix.lon]) : 0;
    const moving = this.isMoving(fix, t);
    if (moving) this.lastMovingAt = this.now();
    if (this.tripId === null) {
      if (this.armed === null || (this.armed === 'movement' && !moving)) return;
      this.startTrip(t);
    }
    const last = this.lastPoint;
    if (last && (t - last.t < this.opts.pointIntervalMs || moved < this.opts.minDistanceM)) return;
    const point: TrackPoint = {
      t,
      lat: fix.lat,
      lon: fix.lon,
      ele: fix.altitude,
      speed: fix.speed,
      course: fix.track,
      hdop: fix.hdop,
      sats: fix.satellitesUsed,
      fix: fix.mode,
    };
    this.pending.push(point);
    this.pendingDistanceM += last ? moved : 0;
    this.lastPoint = point;
  }

  private isMoving(fix: GpsFix, t: number): boolean {
    const prev = this.prevPos;
    this.prevPos = { lat: fix.lat, lon: fix.lon, t };
    if (fix.speed !== null) return fix.speed > this.opts.stopSpeedMps;
    if (!prev || t <= prev.t) return false;
    return distanceM([prev.lat, prev.lon], [fix.lat, fix.lon]) / ((t - prev.t) / 1000) > this.opts.stopSpeedMps;
  }

  private startTrip(t: number): void {
    this.tripId = this.db.createTrip(t);
    this.lastPoint = null;
    this.lastMovingAt = this.now();
    this.log.info({ trip: this.tripId, startedAt: new Date(t).toISOString() }, 'trip started');
    this.store.emitEvent('gps', 'tripStarted', { id: this.tripId, startedAt: new Date(t).toISOString() });
  }

  private checkStop(): void {
    if (this.tripId === null || this.now() - this.lastMovingAt < this.opts.endAfterStopMs) return;
    this.endTrip('stop');
    this.armed = 'movement';
  }

  private endTrip(reason: EndReason): void {
    const id = this.tripId!;
    this.flush();
    this.db.endTrip(id, this.lastPoint?.t ?? this.lastGpsTime ?? 0, reason);
    this.tripId = null;
    this.lastPoint = null;
    this.pending = [];
    this.pendingDistanceM = 0;
    const trip = this.db.trip(id);
    this.log.info({ trip: id, reason, points: trip?.points, distanceM: Math.round(trip?.distanceM ?? 0) }, 'trip ended');
    this.store.emitEvent('gps', 'tripEnded', { id, reason });
  }

  private applyRetention(): void {
    const days = this.opts.retentionDays;
    // GPS time when known: the system clock of a Pi without RTC may be years off.
    const now = this.lastGpsTime ?? Date.now();
    try {
      const deleted = this.db.applyRetention(days > 0 ? now - days * 86_400_000 : null, this.opts.maxDbBytes > 0 ? this.opts.maxDbBytes : null);
      if (deleted.length > 0) this.log.info({ trips: deleted.length }, 'deleted old trips (retention)');
    } catch (err) {
      this.log.error({ err }, 'trip retention failed');
    }
  }
}
