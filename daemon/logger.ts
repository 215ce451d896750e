/**
 * pino logging for journald.
 *
 * - Under systemd (JOURNAL_STREAM is set) each JSON line is prefixed with the
 *   syslog priority `<N>`, which journald strips and stores as PRIORITY, so
 *   `journalctl -u dashcamd -p warning` filters by pino level.
 * - On a terminal the output is pretty-printed.
 * - Otherwise (pipes, tests) plain JSON lines.
 * Components get a child logger with `{ module }` and never create their own.
 */
import { pino, type Logger, type LevelWithSilent, type DestinationStream } from 'pino';
import { PinoPretty } from 'pino-pretty';

export type { Logger } from 'pino';

/** pino level number -> syslog priority (RFC 5424). */
export function syslogPriority(level: number): number {
  if (level >= 60) return 2; // fatal -> crit
  if (level >= 50) return 3; // error -> err
  if (level >= 40) return 4; // warn -> warning
  if (level >= 30) return 6; // info -> info
  return 7; // debug, trace -> debug
}

/** Wraps a destination so every line starts with journald's `<N>` priority prefix. */
export function journaldStream(dest: DestinationStream): DestinationStream {
  return {
    write(line: string) {
      // pino writes `{"level":30,...`: read the number without parsing the line.
      const match = /^\{"level":(\d+)/.exec(line);
      const prio = match ? syslogPriority(Number(match[1])) : 6;
      dest.write(`<${prio}>${line}`);
    },
  };
}

export interface LoggerOptions {
  level: LevelWithSilent;
  /** Defaults: pretty on a TTY, journald prefixes when JOURNAL_STREAM is set. */
  mode?: 'pretty' | 'journald' | 'json';
  destination?: DestinationStream;
}

let stdoutBoom: ReturnType<typeof pino.destination> | null = null;

/** Writes out buffered log lines; call right before the process exits. */
export function flushLogsSync(): void {
  try {
    stdoutBoom?.flushSync();
  } catch {
    // stdout already closed (journald gone): nothing left to do.
  }
}

export function createLogger(opts: LoggerOptions): Logger {
  const mode = opts.mode ?? (process.stdout.isTTY ? 'pretty' : process.env.JOURNAL_STREAM ? 'journald' : 'json');
  // Asynchronous so a slow journald never blocks the event loop; flushed on exit.
  const base = opts.destination ?? (stdoutBoom = pino.destination({ fd: 1, sync: false }));
  const dest =
    mode === 'pretty'
      ? PinoPretty({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', destination: 1 })
      : mode === 'journald'
        ? journaldStream(base)
        : base;
  return pino(
    {
      level: opts.level,
      base: { pid: process.pid },
      // No secrets in logs: anything that looks like a credential is redacted.
      redact: { paths: ['token', '*.token', 'headers.authorization', 'config.server.token'], censor: '[redacted]' },
    },
    dest,
  );
}
