/**
 * gpsd's JSON protocol (https://gpsd.io/gpsd_json.html), only the parts the
 * daemon uses. Every line from the socket is validated here; anything that is
 * not one of these reports (garbage, unknown classes, wrong types) is dropped,
 * so the driver never trusts the wire.
 */
import { z } from 'zod';
import type { FixMode, GpsFix } from '../../daemon/protocol.js';

export const WATCH_COMMAND = '?WATCH={"enable":true,"json":true}\n';

const num = z.number().finite();

export const tpvSchema = z.object({
  class: z.literal('TPV'),
  device: z.string().optional(),
  mode: z.number().int().min(0).max(3),
  time: z.string().optional(),
  lat: num.min(-90).max(90).optional(),
  lon: num.min(-180).max(180).optional(),
  altMSL: num.optional(),
  alt: num.optional(),
  speed: num.optional(),
  track: num.optional(),
  climb: num.optional(),
  eph: num.min(0).optional(),
});
export type Tpv = z.output<typeof tpvSchema>;

export const skySchema = z.object({
  class: z.literal('SKY'),
  hdop: num.min(0).optional(),
  nSat: z.number().int().min(0).optional(),
  uSat: z.number().int().min(0).optional(),
  satellites: z.array(z.object({ used: z.boolean().optional() })).optional(),
});
export type Sky = z.output<typeof skySchema>;

export const versionSchema = z.object({
  class: z.literal('VERSION'),
  release: z.string(),
  proto_major: z.number().int(),
  proto_minor: z.number().int(),
});

export const devicesSchema = z.object({
  class: z.literal('DEVICES'),
  devices: z.array(z.object({ path: z.string().optional(), driver: z.string().optional() })),
});

const reportSchema = z.discriminatedUnion('class', [tpvSchema, skySchema, versionSchema, devicesSchema]);
export type GpsdReport = z.output<typeof reportSchema>;

/** Parses one line; null for anything that is not a valid report we use. */
export function parseGpsdLine(line: string): GpsdReport | null {
  const trimmed = line.trim();
  if (!trimmed.startsWith('{')) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(trimmed);
  } catch {
    return null;
  }
  const parsed = reportSchema.safeParse(raw);
  return parsed.success ? parsed.data : null;
}

/** What the latest SKY said; gpsd sends it after the TPV of the same cycle. */
export interface SkySummary {
  hdop: number | null;
  used: number | null;
  visible: number | null;
}

export function summarizeSky(sky: Sky): SkySummary {
  const sats = sky.satellites;
  return {
    hdop: sky.hdop ?? null,
    // gpsd 3.20+ sends uSat/nSat; older ones only the list.
    used: sky.uSat ?? (sats ? sats.filter((s) => s.used === true).length : null),
    visible: sky.nSat ?? (sats ? sats.length : null),
  };
}

const MODES: Record<number, FixMode> = { 0: 'none', 1: 'none', 2: '2d', 3: '3d' };

/**
 * Maps a TPV to a fix. Returns null when the TPV carries no usable time
 * (gpsd's first reports after a device appears) or no position yet. A TPV
 * with mode 0/1 becomes a 'none' fix at the last known position, so the
 * channel shows "no fix" instead of silently keeping an old 3D fix.
 */
export function tpvToFix(tpv: Tpv, sky: SkySummary | null, last: GpsFix | null): GpsFix | null {
  if (tpv.time === undefined || Number.isNaN(Date.parse(tpv.time))) return null;
  const mode = MODES[tpv.mode] ?? 'none';
  const base = { hdop: sky?.hdop ?? null, satellitesUsed: sky?.used ?? null, satellitesVisible: sky?.visible ?? null };
  if (mode === 'none' || tpv.lat === undefined || tpv.lon === undefined) {
    if (!last) return null;
    return { ...last, ...base, time: tpv.time, mode: 'none', speed: null, track: null, climb: null, errorM: null };
  }
  return {
    time: tpv.time,
    lat: tpv.lat,
    lon: tpv.lon,
    altitude: mode === '3d' ? (tpv.altMSL ?? tpv.alt ?? null) : null,
    speed: tpv.speed ?? null,
    track: tpv.track ?? null,
    climb: tpv.climb ?? null,
    mode,
    errorM: tpv.eph ?? null,
    ...base,
  };
}
