/**
 * The process around the daemon: config, logger, signals, exit codes and the
 * 5-second shutdown budget. Returns -1 once running (the process then lives
 * until a signal), or an exit code when it could not start.
 */
import { loadConfig, ConfigError, type LoadOptions } from './config/load.js';
import { createLogger, flushLogsSync, type Logger } from './logger.js';
import { createDaemon, type Daemon } from './main.js';
import { UwsUnavailableError } from './uws.js';

const SHUTDOWN_BUDGET_MS = 5000;
const EX_CONFIG = 78;

export async function runDaemon(opts: LoadOptions): Promise<number> {
  let config;
  try {
    config = loadConfig(opts);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`dashcamd: ${err.message}\n`);
      // One JSON line too, so journald has it with priority err.
      process.stdout.write(`${JSON.stringify({ level: 50, msg: 'invalid configuration', source: err.source, problems: err.problems })}\n`);
      return EX_CONFIG;
    }
    throw err;
  }
  const log = createLogger({ level: config.log.level });
  let daemon: Daemon;
  try {
    daemon = createDaemon(config, log);
  } catch (err) {
    if (err instanceof UwsUnavailableError) {
      log.fatal({ websocket: err.implementation }, err.message);
      flushLogsSync();
      process.stderr.write(`dashcamd: ${err.message}\n`);
      // A restart cannot fix a missing native build: exit as a configuration error.
      return EX_CONFIG;
    }
    throw err;
  }
  installProcessHandlers(daemon, log);
  try {
    await daemon.start();
  } catch (err) {
    log.fatal({ err }, 'start-up failed');
    await daemon.stop().catch(() => undefined);
    flushLogsSync();
    return 1;
  }
  return -1;
}

function installProcessHandlers(daemon: Daemon, log: Logger): void {
  let exiting = false;
  const shutdown = (signal: string): void => {
    if (exiting) return;
    exiting = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      log.error({ budgetMs: SHUTDOWN_BUDGET_MS }, 'shutdown took too long; exiting anyway');
      flushLogsSync();
      process.exit(1);
    }, SHUTDOWN_BUDGET_MS);
    daemon.stop().then(
      () => {
        clearTimeout(force);
        log.info('stopped');
        flushLogsSync();
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        flushLogsSync();
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('uncaughtException', (err) => {
    log.fatal({ err }, 'uncaught exception');
    flushLogsSync();
    process.exit(1);
  });
  process.on('unhandledRejection', (err) => {
    log.fatal({ err }, 'unhandled promise rejection');
    flushLogsSync();
    process.exit(1);
  });
}
