/**
 * The GPS driver boundary. A driver turns its source (gpsd, a serial NMEA
 * receiver, a replay) into fixes and connection changes pushed into a sink;
 * the daemon's GpsPublisher owns staleness, rate limits and the state topic.
 */
import type { GpsFix, GpsSource } from '../../daemon/protocol.js';

export interface GpsSink {
  fix(fix: GpsFix): void;
  connection(connected: boolean, detail?: string): void;
}

export interface GpsDriver {
  readonly source: GpsSource;
  /** Starts reading; must not throw when the device is absent (report through the sink). */
  start(sink: GpsSink): Promise<void>;
  stop(): Promise<void>;
}
