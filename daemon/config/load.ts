/**
 * Loads the config once: defaults < JSON file < DASHCAMD_* environment <
 * command-line overrides. The result is validated by the one schema and
 * frozen. Any problem becomes a ConfigError listing every `path: message`.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { configSchema, type Config } from './schema.js';
import { envFields, envOverrides } from './env.js';

export const DEFAULT_CONFIG_FILE = '/etc/dashcamd/config.json';
export const DEFAULT_DATA_DIR = '/var/lib/dashcamd';

export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`invalid configuration (${source}):\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

export interface LoadOptions {
  /** Explicit --config path; a missing explicit file is an error, a missing default is not. null: no file. */
  file?: string | null | undefined;
  env?: NodeJS.ProcessEnv;
  /** Command-line overrides, already shaped like the config. */
  overrides?: Record<string, unknown>;
}

export function loadConfig(opts: LoadOptions = {}): Config {
  const env = opts.env ?? process.env;
  const explicit = opts.file !== undefined;
  const file = resolve(opts.file ?? env.DASHCAMD_CONFIG ?? DEFAULT_CONFIG_FILE);
  const fromFile = opts.file === null ? null : readConfigFile(file, explicit || env.DASHCAMD_CONFIG !== undefined);
  const merged = deepMerge(deepMerge(fromFile ?? {}, envOverrides(env)), opts.overrides ?? {});
  const result = configSchema.safeParse(merged);
  if (!result.success) {
    throw new ConfigError(fromFile ? file : 'defaults and environment', withEnvNames(formatIssues(result.error), env));
  }
  const parsed = result.data;
  const dataDir = resolve(parsed.dataDir ?? env.STATE_DIRECTORY?.split(':')[0] ?? DEFAULT_DATA_DIR);
  return deepFreeze({ ...parsed, dataDir, configFile: fromFile ? file : null });
}

function readConfigFile(file: string, mustExist: boolean): Record<string, unknown> | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !mustExist) return null;
    throw new ConfigError(file, [`(file): cannot read: ${code ?? String(err)}`]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(file, [`(file): not valid JSON: ${(err as Error).message}`]);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError(file, ['(root): must be a JSON object']);
  }
  return raw as Record<string, unknown>;
}

export function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.length ? issue.path.join('.') : '(root)';
    if (issue.code === 'unrecognized_keys') {
      const prefix = issue.path.length ? `${path}.` : '';
      return issue.keys.map((k) => `${prefix}${k}: unknown field`).join('; ');
    }
    return `${path}: ${issue.message}`;
  });
}

/** Names the environment variable when a bad value came from one. */
function withEnvNames(problems: string[], env: NodeJS.ProcessEnv): string[] {
  const set = envFields().filter((f) => env[f.name] !== undefined);
  return problems.map((p) => {
    const field = set.find((f) => p.startsWith(`${f.path.join('.')}: `));
    return field ? `${p} (from ${field.name})` : p;
  });
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const cur = out[k];
    out[k] = isPlainObject(cur) && isPlainObject(v) ? deepMerge(cur, v) : v;
  }
  return out;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
