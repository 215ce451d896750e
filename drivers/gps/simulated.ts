/**
 * Simulated GPS: drives a loop through fixed waypoints at town speeds and emits
 * one fix per second (faster with `speedup`), so a laptop shows a moving car.
 */
import type { GpsFix } from '../../daemon/protocol.js';
import type { GpsDriver, GpsSink } from './types.js';

/** A loop around a few city blocks (lat, lon). */
export const SAMPLE_LOOP: ReadonlyArray<readonly [number, number]> = [
  [48.13743, 11.57549],
  [48.13912, 11.57806],
  [48.14143, 11.58022],
  [48.14312, 11.57712],
  [48.14205, 11.57241],
  [48.13981, 11.56967],
  [48.13745, 11.57142],
];

const EARTH_RADIUS_M = 6_371_000;
const rad = (d: number): number => (d * Math.PI) / 180;

export function distanceM(a: readonly [number, number], b: readonly [number, number]): number {
  const dLat = rad(b[0] - a[0]);
  const dLon = rad(b[1] - a[1]);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a[0])) * Math.cos(rad(b[0])) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.sqrt(h));
}

export function bearingDeg(a: readonly [number, number], b: readonly [number, number]): number {
  const y = Math.sin(rad(b[1] - a[1])) * Math.cos(rad(b[0]));
  const x = Math.cos(rad(a[0])) * Math.sin(rad(b[0])) - Math.sin(rad(a[0])) * Math.cos(rad(b[0])) * Math.cos(rad(b[1] - a[1]));
  return ((Math.atan2(y, x) * 180) / Math.PI + 360) % 360;
}

export interface SimulatedGpsOptions {
  speedup: number;
  /** Metres per second along the loop. */
  speedMps?: number;
  route?: ReadonlyArray<readonly [number, number]>;
  now?: () => number;
}

export class SimulatedGps implements GpsDriver {
  readonly source = 'simulated' as const;
  private timer: NodeJS.Timeout | null = null;
  private leg = 0;
  private along = 0;

  constructor(private readonly opts: SimulatedGpsOptions) {}

  async start(sink: GpsSink): Promise<void> {
    sink.connection(true, 'simulated replay');
    const intervalMs = Math.max(10, Math.round(1000 / this.opts.speedup));
    this.timer = setInterval(() => sink.fix(this.step()), intervalMs);
    sink.fix(this.step());
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Advances one simulated second and returns the fix there. */
  step(): GpsFix {
    const route = this.opts.route ?? SAMPLE_LOOP;
    const speed = this.opts.speedMps ?? 13.9;
    this.along += speed;
    let a = route[this.leg % route.length]!;
    let b = route[(this.leg + 1) % route.length]!;
    while (this.along > distanceM(a, b)) {
      this.along -= distanceM(a, b);
      this.leg = (this.leg + 1) % route.length;
      a = route[this.leg]!;
      b = route[(this.leg + 1) % route.length]!;
    }
    const f = this.along / Math.max(1, distanceM(a, b));
    return {
      time: new Date((this.opts.now ?? Date.now)()).toISOString(),
      lat: a[0] + (b[0] - a[0]) * f,
      lon: a[1] + (b[1] - a[1]) * f,
      altitude: 519,
      speed,
      track: Math.round(bearingDeg(a, b) * 10) / 10,
      climb: 0,
      mode: '3d',
      hdop: 0.9,
      errorM: 3,
      satellitesUsed: 9,
      satellitesVisible: 12,
    };
  }
}
