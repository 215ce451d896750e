/**
 * The one configuration schema: it gives the TypeScript type, the defaults,
 * the validator and (through its JSON Schema) the environment overrides.
 * Every field has a default so an empty file, or none, is a working config.
 */
import { z } from 'zod';
import { gpioSchema } from './gpio-schema.js';
import { gpsSchema } from './gps-schema.js';
import { downloadsSchema } from './downloads-schema.js';

export const CONFIG_VERSION = 1;

const port = z.number().int().min(0).max(65535);

export const heartbeatSchema = z.strictObject({
    /** How often the server sends a ping frame to each client. */
    pingIntervalMs: z.number().int().min(100).max(60_000).default(10_000),
    /** A client that sends nothing (no pong, no "ping", no message) for this long is closed with 4000. */
    deadAfterMs: z.number().int().min(500).max(60_000).default(20_000),
  })
  .refine((h) => h.pingIntervalMs < h.deadAfterMs, {
    message: 'pingIntervalMs must be shorter than deadAfterMs',
    path: ['pingIntervalMs'],
  });

export const configSchema = z.strictObject({
    version: z.literal(CONFIG_VERSION).default(CONFIG_VERSION),
    /** Where jobs, trips and MBTiles live. Default: $STATE_DIRECTORY, else /var/lib/dashcamd. */
    dataDir: z.string().min(1).optional(),
    /** Use simulated devices (GPS replay, GPIO) instead of hardware. */
    simulate: z.boolean().default(false),
    server: z.strictObject({
        host: z.string().min(1).default('0.0.0.0'),
        port: port.default(8080),
        /** Largest WebSocket frame a client may send; bigger ones close the socket. */
        maxPayloadBytes: z.number().int().min(256).max(1_048_576).default(4096),
        /** Open WebSockets at most; more are refused with 503 (memory stays bounded). */
        maxClients: z.number().int().min(1).max(10_000).default(64),
        /** Largest HTTP request body accepted by /api (route uploads included). */
        maxBodyBytes: z.number().int().min(1024).max(64 * 1_048_576).default(8 * 1_048_576),
        /** Origins allowed to open the socket besides the daemon's own host. */
        allowedOrigins: z.array(z.url()).default([]),
        /** If set, /api and /ws require it (Authorization: Bearer, or ?token=). */
        token: z.string().min(8).optional(),
        /** Static files of the phone UI. Default: web/dist beside the program. */
        webRoot: z.string().min(1).optional(),
      })
      .prefault({}),
    heartbeat: heartbeatSchema.prefault({}),
    backpressure: z.strictObject({
        /** Above this many buffered bytes a client gets coalesced progress. */
        softLimitBytes: z.number().int().min(1024).default(64 * 1024),
        /** Above this many bytes (buffered plus queued) the client is closed with 4001. */
        hardLimitBytes: z.number().int().min(4096).default(1024 * 1024),
      })
      .refine((b) => b.softLimitBytes < b.hardLimitBytes, {
        message: 'softLimitBytes must be smaller than hardLimitBytes',
        path: ['softLimitBytes'],
      })
      .prefault({}),
    /** How many recent messages are kept for resync before a snapshot is needed. */
    historySize: z.number().int().min(16).max(100_000).default(2000),
    log: z.strictObject({
        level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
      })
      .prefault({}),
    system: z.strictObject({
        /** How often the system topic (temperature, load, disk) is refreshed. */
        intervalMs: z.number().int().min(250).max(600_000).default(5000),
      })
      .prefault({}),
    /** GPS source, trips and the clock check (see gps-schema.ts). */
    gps: gpsSchema.prefault({}),
    /** Map tile downloads: parallel jobs, tile cap, disk floor, contact, sources (see downloads-schema.ts). */
    downloads: downloadsSchema.prefault({}),
    /** Button, LEDs, ignition sense and the safe shutdown (see gpio-schema.ts). */
    gpio: gpioSchema.prefault({}),
    debug: z.strictObject({
        /** Enables POST /api/debug/block (blocks the event loop; for watchdog tests only). */
        testHooks: z.boolean().default(false),
      })
      .prefault({}),
  });

export type ConfigInput = z.input<typeof configSchema>;
export type ParsedConfig = z.output<typeof configSchema>;
/** The validated, frozen config every component receives. dataDir is always resolved. */
export type Config = Readonly<ParsedConfig & { dataDir: string; configFile: string | null }>;
