/**
 * Reads a recorded drive for the simulated source: an NMEA 0183 log, or a
 * GPX track (ours, or another tool's). GPX is read with a tolerant scanner for
 * <trkpt> elements, enough for track files; speed and course come from the
 * TrackPointExtension when present, else from consecutive points.
 */
import type { GpsFix } from '../../daemon/protocol.js';
import { NmeaAssembler } from './nmea.js';
import { bearingDeg, distanceM } from './geo.js';

/** Parses a whole NMEA log into its fixes, in order. */
export function fixesFromNmea(text: string): GpsFix[] {
  const nmea = new NmeaAssembler();
  return text.split(/\r?\n/).flatMap((line) => nmea.push(line));
}

const TRKPT = /<(?:[\w-]+:)?trkpt\b([^>]*?)(?:\/>|>([\s\S]*?)<\/(?:[\w-]+:)?trkpt\s*>)/g;

function attr(attrs: string, name: string): number | null {
  const m = new RegExp(`\\b${name}\\s*=\\s*["']([^"']+)["']`).exec(attrs);
  const v = m ? Number(m[1]) : NaN;
  return Number.isFinite(v) ? v : null;
}

function child(body: string, name: string): string | null {
  const m = new RegExp(`<(?:[\\w-]+:)?${name}\\s*>\\s*([^<]*?)\\s*</(?:[\\w-]+:)?${name}\\s*>`).exec(body);
  return m ? m[1]! : null;
}

function childNum(body: string, name: string): number | null {
  const v = child(body, name);
  const n = v === null ? NaN : Number(v);
  return Number.isFinite(n) ? n : null;
}

/** Track points of a GPX file as fixes. Points without a valid lat/lon are skipped; without time they are 1 s apart. */
export function fixesFromGpx(text: string): GpsFix[] {
  const raw: Array<{ lat: number; lon: number; ele: number | null; t: number | null; speed: number | null; course: number | null; hdop: number | null; sat: number | null; fix: string | null }> = [];
  for (const m of text.matchAll(TRKPT)) {
    const lat = attr(m[1]!, 'lat');
    const lon = attr(m[1]!, 'lon');
    if (lat === null || lon === null || Math.abs(lat) > 90 || Math.abs(lon) > 180) continue;
    const body = m[2] ?? '';
    const time = child(body, 'time');
    const t = time === null ? NaN : Date.parse(time);
    raw.push({
      lat,
      lon,
      ele: childNum(body, 'ele'),
      t: Number.isNaN(t) ? null : t,
      speed: childNum(body, 'speed'),
      course: childNum(body, 'course'),
      hdop: childNum(body, 'hdop'),
      sat: childNum(body, 'sat'),
      fix: child(body, 'fix'),
    });
  }
  let clock = raw.find((p) => p.t !== null)?.t ?? Date.UTC(2026, 0, 1);
  return raw.map((p, i) => {
    const t = p.t ?? (i === 0 ? clock : clock + 1000);
    clock = t;
    const prev = raw[i - 1];
    const next = raw[i + 1];
    const dt = prev && prev.t !== null && p.t !== null ? (p.t - prev.t) / 1000 : 1;
    const derivedSpeed = prev ? distanceM([prev.lat, prev.lon], [p.lat, p.lon]) / Math.max(dt, 0.001) : 0;
    const derivedTrack = next ? bearingDeg([p.lat, p.lon], [next.lat, next.lon]) : prev ? bearingDeg([prev.lat, prev.lon], [p.lat, p.lon]) : null;
    const mode = p.fix === '2d' || p.fix === 'none' ? p.fix : p.ele !== null ? '3d' : '2d';
    return {
      time: new Date(t).toISOString(),
      lat: p.lat,
      lon: p.lon,
      altitude: mode === '3d' ? p.ele : null,
      speed: p.speed ?? derivedSpeed,
      track: p.course ?? derivedTrack,
      climb: null,
      mode,
      hdop: p.hdop,
      errorM: null,
      satellitesUsed: p.sat,
      satellitesVisible: null,
    };
  });
}

/** GPX when the text is XML, NMEA otherwise. */
export function fixesFromReplay(text: string): GpsFix[] {
  return /^\s*(<\?xml|<gpx)/.test(text) ? fixesFromGpx(text) : fixesFromNmea(text);
}
