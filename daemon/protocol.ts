/**
 * dashcamd channel protocol v1: the single definition of every message that
 * crosses the WebSocket, shared by the daemon, the phone UI and the tests.
 *
 * This module must stay free of imports so that the browser bundle and Node
 * can both use it unchanged. Everything on the wire is camelCase JSON, except
 * the two heartbeat texts "ping" and "pong".
 *
 * See docs/protocol.md for the narrative and an example of every message.
 */

export const PROTOCOL_VERSION = 1;

/** Heartbeat texts. Either side may send PING; the other answers PONG at once. */
export const PING = 'ping';
export const PONG = 'pong';

/** Optional features announced in `hello`; clients must ignore unknown ones. */
export type Feature = 'resync' | 'serverTextPings' | 'coalescing';

/** Close codes. 1001 is a normal shutdown; 4xxx are abnormal and mean "reconnect". */
export const CloseCode = {
  shutdown: 1001,
  heartbeatTimeout: 4000,
  tooSlow: 4001,
  protocolError: 4002,
} as const;
export type CloseCodeName = keyof typeof CloseCode;

// ---------------------------------------------------------------- state ----

export type FixMode = 'none' | '2d' | '3d';

export interface GpsFix {
  /** ISO-8601 time reported by the receiver. */
  time: string;
  lat: number;
  lon: number;
  /** Metres above mean sea level, when known. */
  altitude: number | null;
  /** Metres per second. */
  speed: number | null;
  /** Degrees from true north. */
  track: number | null;
  /** Metres per second, positive upwards. */
  climb: number | null;
  mode: FixMode;
  hdop: number | null;
  /** Estimated horizontal error in metres (gpsd eph), when known. */
  errorM: number | null;
  satellitesUsed: number | null;
  satellitesVisible: number | null;
}

export type GpsSource = 'gpsd' | 'serial' | 'simulated' | 'none';

export interface GpsState {
  source: GpsSource;
  connected: boolean;
  fix: GpsFix | null;
  /** Wall-clock ms (daemon clock) when the last fix arrived. */
  lastFixAt: number | null;
  /** True when no fix arrived for the configured stale time. */
  stale: boolean;
  /**
   * System clock minus GPS time in ms, from the last fix with a position
   * (the Pi has no RTC). Absent in daemons before it existed; null before the first fix.
   */
  clockOffsetMs?: number | null;
}

export type LedPattern = 'off' | 'on' | 'blinkSlow' | 'blinkFast';

export interface GpioState {
  available: boolean;
  /** Why GPIO is unavailable, when it is. */
  reason: string | null;
  ignition: boolean | null;
  button: boolean | null;
  leds: Record<string, LedPattern>;
  recording: boolean;
}

export interface SystemState {
  cpuTempC: number | null;
  load1: number;
  load5: number;
  load15: number;
  memTotalBytes: number;
  memFreeBytes: number;
  rssBytes: number;
  diskFreeBytes: number | null;
  diskTotalBytes: number | null;
  uptimeS: number;
  processUptimeS: number;
  loopDelayP50Ms: number;
  loopDelayP99Ms: number;
}

export type JobState =
  | 'queued'
  | 'running'
  | 'paused'
  | 'waitingForNetwork'
  | 'diskLow'
  | 'interrupted'
  | 'done'
  | 'failed'
  | 'cancelled';

export interface DownloadJob {
  id: string;
  name: string;
  state: JobState;
  /** Human-readable reason for paused/failed/diskLow states. */
  reason: string | null;
  tilesDone: number;
  tilesTotal: number;
  tilesMissing: number;
  tilesFailed: number;
  bytes: number;
  tilesPerS: number;
  bytesPerS: number;
  etaS: number | null;
  updatedAt: number;
  /** Added for downloads (optional, additive): progress per zoom level. */
  perZoom?: ZoomProgress[];
  /** Tiles written to the file (done = stored + missing + failed). */
  tilesStored?: number;
  source?: string;
  minZoom?: number;
  maxZoom?: number;
  createdAt?: number;
  /**
   * Only when the counters are a refresh pass's (POST /api/downloads/:id/refresh),
   * which count that pass alone: stored tiles the source confirmed unchanged
   * (304) or fetched after the pass's cut-off.
   */
  tilesNotModified?: number;
  /**
   * Bytes the job's MBTiles file takes on disk (with its WAL), read when the job
   * last stopped or finished, and at start-up. Unlike `bytes` (downloaded by this
   * pass, before deduplication) it is what the SD card holds. Absent before the
   * job has ever run.
   */
  fileBytes?: number;
}

export interface ZoomProgress {
  zoom: number;
  total: number;
  done: number;
  missing: number;
  failed: number;
}

/** The whole state the daemon streams. Each topic is replaced or keyed. */
export interface DaemonState {
  gps: GpsState;
  gpio: GpioState;
  system: SystemState | null;
  /** Keyed by job id. */
  downloads: Record<string, DownloadJob>;
}

export type Topic = keyof DaemonState;
export const TOPICS: readonly Topic[] = ['gps', 'gpio', 'system', 'downloads'];

/** Topics whose state is a map; their deltas carry a `key`. */
export type KeyedTopic = 'downloads';
export type KeyedValue<T extends KeyedTopic> = DaemonState[T][string];

/**
 * A moment the driver marked (button short press, or the UI). Sent as event
 * `events`/`mark` with this as data, and listed by GET /api/events.
 */
export interface EventMark {
  id: number;
  /** ISO-8601 daemon time of the press. */
  time: string;
  source: 'button' | 'api';
  /** Last known position, null when there never was a fix; `stale` when it is old. */
  position: {
    lat: number;
    lon: number;
    altitude: number | null;
    speed: number | null;
    track: number | null;
    mode: FixMode;
    fixTime: string;
    stale: boolean;
  } | null;
}

// ------------------------------------------------------- server -> client ----

export interface HelloMessage {
  type: 'hello';
  protocol: number;
  server: { name: 'dashcamd'; version: string };
  heartbeat: { pingIntervalMs: number; deadAfterMs: number };
  features: Feature[];
}

export interface SnapshotMessage {
  type: 'snapshot';
  seq: number;
  state: DaemonState;
}

/**
 * Replaces `state[topic]` (no key) or `state[topic][key]` (keyed topics; a null
 * value deletes the key). Because every delta carries a whole value, a slow
 * client can be sent only the latest delta per (topic, key).
 */
export type DeltaMessage = {
  [T in Topic]: T extends KeyedTopic
    ? { type: 'delta'; seq: number; prev?: number; topic: T; key: string; value: KeyedValue<T> | null }
    : { type: 'delta'; seq: number; prev?: number; topic: T; value: DaemonState[T] };
}[Topic];

/** Something that happened, as opposed to state. Events are never dropped. */
export interface EventMessage {
  type: 'event';
  seq: number;
  prev?: number;
  topic: Topic | 'events';
  name: string;
  data: Record<string, unknown>;
}

export type ErrorCode =
  | 'BAD_JSON'
  | 'BAD_MESSAGE'
  | 'UNKNOWN_TYPE'
  | 'BAD_SEQ'
  /** More resyncs than RESYNC_BURST in a row, or faster than RESYNC_PER_S after that. */
  | 'RATE_LIMITED'
  | 'BINARY_NOT_SUPPORTED';

/** Resyncs a client may ask for in a burst, then per second: each costs the server a snapshot or a replay. */
export const RESYNC_BURST = 5;
export const RESYNC_PER_S = 1;

export interface ErrorMessage {
  type: 'error';
  code: ErrorCode;
  message: string;
}

export type SequencedMessage = DeltaMessage | EventMessage;
export type ServerMessage = HelloMessage | SnapshotMessage | SequencedMessage | ErrorMessage;

// ------------------------------------------------------- client -> server ----

/** Ask for everything after `lastSeq`; the answer is those messages or a snapshot. */
export interface ResyncMessage {
  type: 'resync';
  lastSeq: number;
}

/** Ask the server to send text "ping" too (for clients that cannot see ping frames). */
export interface OptionsMessage {
  type: 'options';
  serverTextPings: boolean;
}

export type ClientMessage = ResyncMessage | OptionsMessage;

// -------------------------------------------------------------- helpers ----

/**
 * The seq the receiver must have applied last for `msg` to follow without a gap.
 * Messages normally follow each other (prev = seq - 1); after coalescing the
 * server states the previous seq it sent explicitly.
 */
export function expectedPrev(msg: SequencedMessage): number {
  return msg.prev ?? msg.seq - 1;
}

/** Applies a delta to a state in place. Returns the same state object. */
export function applyDelta(state: DaemonState, msg: DeltaMessage): DaemonState {
  if (msg.topic === 'downloads') {
    if (msg.value === null) delete state.downloads[msg.key];
    else state.downloads[msg.key] = msg.value;
  } else {
    (state as unknown as Record<string, unknown>)[msg.topic] = msg.value;
  }
  return state;
}

/** Coalescing key: a newer delta with the same key supersedes an older one. */
export function coalesceKey(msg: SequencedMessage): string | null {
  if (msg.type !== 'delta') return null;
  return 'key' in msg ? `${msg.topic}/${msg.key}` : msg.topic;
}

/**
 * Parses a client frame. Returns the message, the heartbeat text, or an error
 * with a code; never throws. Validation is by hand because this module has no
 * imports (the daemon's zod schemas live elsewhere).
 */
export function parseClientFrame(
  text: string,
): { ok: true; ping: true } | { ok: true; pong: true } | { ok: true; message: ClientMessage } | { ok: false; code: ErrorCode; message: string } {
  if (text === PING) return { ok: true, ping: true };
  if (text === PONG) return { ok: true, pong: true };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, code: 'BAD_JSON', message: 'frame is neither "ping", "pong" nor JSON' };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, code: 'BAD_MESSAGE', message: 'message must be a JSON object' };
  }
  const obj = raw as Record<string, unknown>;
  switch (obj.type) {
    case 'resync': {
      const lastSeq = obj.lastSeq;
      if (typeof lastSeq !== 'number' || !Number.isSafeInteger(lastSeq) || lastSeq < 0) {
        return { ok: false, code: 'BAD_MESSAGE', message: 'resync.lastSeq must be a non-negative integer' };
      }
      return { ok: true, message: { type: 'resync', lastSeq } };
    }
    case 'options': {
      if (typeof obj.serverTextPings !== 'boolean') {
        return { ok: false, code: 'BAD_MESSAGE', message: 'options.serverTextPings must be a boolean' };
      }
      return { ok: true, message: { type: 'options', serverTextPings: obj.serverTextPings } };
    }
    default:
      return { ok: false, code: 'UNKNOWN_TYPE', message: `unknown message type ${JSON.stringify(String(obj.type)).slice(0, 40)}` };
  }
}

/** Builds the initial empty state. */
export function emptyState(): DaemonState {
  return {
    gps: { source: 'none', connected: false, fix: null, lastFixAt: null, stale: true },
    gpio: { available: false, reason: 'not started', ignition: null, button: null, leds: {}, recording: false },
    system: null,
    downloads: {},
  };
}
