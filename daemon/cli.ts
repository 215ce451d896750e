#!/usr/bin/env node
/**
 * Command line: `dashcamd run [--config FILE] [--simulate] [--listen HOST:PORT]
 * [--data-dir DIR]`, `--help`, `--version`. Exit codes: 0 ok, 1 runtime
 * failure, 2 usage, 78 (EX_CONFIG) bad configuration, so systemd does not
 * restart-loop on a config that cannot work.
 */
import { parseArgs } from 'node:util';
import { VERSION } from './version.js';
import { runDaemon } from './run.js';
import { tilesCli } from '../geodata/cli-tiles.js';

export const EXIT = { ok: 0, failure: 1, usage: 2, config: 78 } as const;

const HELP = `dashcamd ${VERSION}: Raspberry Pi dashcam daemon

Usage:
  dashcamd run [options]     start the daemon (what systemd runs)
  dashcamd tiles ...         estimate or download map tiles into MBTiles (dashcamd tiles --help)
  dashcamd --version         print the version
  dashcamd --help            print this help

Options for run:
  --config FILE       JSON config (default /etc/dashcamd/config.json, or $DASHCAMD_CONFIG)
  --simulate          simulated GPS and GPIO (for a laptop)
  --listen HOST:PORT  listen address, e.g. 127.0.0.1:8080 (port 0 picks a free one)
  --data-dir DIR      data directory (default $STATE_DIRECTORY or /var/lib/dashcamd)

Every config field can also be set from the environment, e.g.
DASHCAMD_SERVER__PORT=8080 or DASHCAMD_HEARTBEAT__DEAD_AFTER_MS=20000.
`;

export function parseListen(value: string): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(value);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw new Error(`--listen must be HOST:PORT, got ${JSON.stringify(value)}`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

async function main(argv: string[]): Promise<number> {
  // The tiles commands have their own options (geodata/cli-tiles.ts).
  if (argv[0] === 'tiles') return tilesCli(argv.slice(1));
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
        config: { type: 'string', short: 'c' },
        simulate: { type: 'boolean' },
        listen: { type: 'string' },
        'data-dir': { type: 'string' },
      },
    });
  } catch (err) {
    process.stderr.write(`dashcamd: ${(err as Error).message}\n\n${HELP}`);
    return EXIT.usage;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(HELP);
    return EXIT.ok;
  }
  if (values.version) {
    process.stdout.write(`${VERSION}\n`);
    return EXIT.ok;
  }
  const command = positionals[0] ?? 'run';
  if (command !== 'run' || positionals.length > 1) {
    process.stderr.write(`dashcamd: unknown command ${JSON.stringify(positionals.join(' '))}\n\n${HELP}`);
    return EXIT.usage;
  }
  const overrides: Record<string, unknown> = {};
  if (values.simulate) overrides.simulate = true;
  if (values['data-dir']) overrides.dataDir = values['data-dir'];
  if (values.listen) {
    try {
      overrides.server = parseListen(values.listen);
    } catch (err) {
      process.stderr.write(`dashcamd: ${(err as Error).message}\n`);
      return EXIT.usage;
    }
  }
  return runDaemon({ file: values.config, overrides });
}

main(process.argv.slice(2)).then(
  (code) => {
    // run keeps the process alive itself; other commands end here.
    if (code !== -1) process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`dashcamd: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = EXIT.failure;
  },
);
