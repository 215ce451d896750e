/**
 * The `gps` part of the config schema: which source runs, how to reach it,
 * trip logging and the clock check. See docs/gps.md.
 */
import { z } from 'zod';

const BAUD_RATES = [4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800] as const;

export const gpsSchema = z.strictObject({
    /**
     * Which source runs (forced to simulated by --simulate): gpsd; serial (NMEA on a
     * serial port); auto (gpsd, and serial while gpsd gives no fix for fallbackAfterMs);
     * simulated (replays replayFile).
     */
    driver: z.enum(['gpsd', 'serial', 'auto', 'simulated']).default('gpsd'),
    /** No fix for this long marks the position stale. */
    staleAfterMs: z.number().int().min(500).default(5000),
    /** Simulated replay speed-up (1 = real time). */
    simulatedSpeedup: z.number().min(0.1).max(100).default(1),
    /** NMEA log or GPX track the simulated driver replays, looping. Default: the sample drive (drivers/gps/sample-drive.nmea). */
    replayFile: z.string().min(1).optional(),
    gpsd: z.strictObject({
        host: z.string().min(1).default('127.0.0.1'),
        port: z.number().int().min(1).max(65535).default(2947),
        /** Reconnect backoff: first delay, doubling up to the cap (the cap bounds how late we notice gpsd is back). */
        reconnectMinMs: z.number().int().min(10).max(10_000).default(100),
        reconnectMaxMs: z.number().int().min(10).max(10_000).default(500),
      })
      .refine((g) => g.reconnectMinMs <= g.reconnectMaxMs, { message: 'reconnectMinMs must not exceed reconnectMaxMs', path: ['reconnectMinMs'] })
      .prefault({}),
    serial: z.strictObject({
        /** Device path; when absent, /dev/ttyACM0, /dev/ttyUSB0 and /dev/serial0 are probed in that order. */
        path: z.string().min(1).optional(),
        baudRate: z.number().int().refine((b) => (BAUD_RATES as readonly number[]).includes(b), { message: `must be one of ${BAUD_RATES.join(', ')}` }).default(9600),
        /** How often an absent or unplugged device is tried again. */
        reopenMs: z.number().int().min(50).max(60_000).default(500),
      })
      .prefault({}),
    /** auto only: switch to serial after gpsd delivered no fix for this long. */
    fallbackAfterMs: z.number().int().min(500).max(600_000).default(10_000),
    trips: z.strictObject({
        enabled: z.boolean().default(true),
        /** A point is stored at most this often... */
        pointIntervalMs: z.number().int().min(100).max(600_000).default(1000),
        /** ...and only when the car moved at least this far from the last stored point. */
        minDistanceM: z.number().min(0).max(10_000).default(2),
        /** Points are committed in batches this often: a power cut loses at most this much track. */
        commitIntervalMs: z.number().int().min(100).max(2000).default(1000),
        /** A trip ends after standing still (below stopSpeedMps) or without fix for this long. */
        endAfterStopMs: z.number().int().min(1000).default(300_000),
        stopSpeedMps: z.number().min(0).max(10).default(0.5),
        /** Trips older than this are deleted (0 keeps them forever). */
        retentionDays: z.number().int().min(0).default(365),
        /** When the database grows past this, the oldest trips are deleted (0 = no limit). */
        maxDbBytes: z.number().int().min(0).default(256 * 1024 * 1024),
      })
      .prefault({}),
    clock: z.strictObject({
        /** A system clock further than this from GPS time is reported (health, gps topic, one log line). */
        maxOffsetMs: z.number().int().min(100).default(5000),
        /** Set the system clock from GPS when it is off by more than maxOffsetMs. Needs CAP_SYS_TIME. */
        setSystemClock: z.boolean().default(false),
      })
      .prefault({}),
  });

export type GpsConfig = z.output<typeof gpsSchema>;
