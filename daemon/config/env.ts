/**
 * Environment overrides derived from the schema, so every field has one and
 * none is forgotten: `server.port` is DASHCAMD_SERVER__PORT, `heartbeat.deadAfterMs`
 * is DASHCAMD_HEARTBEAT__DEAD_AFTER_MS. Values are converted by the field's
 * JSON Schema type; arrays take JSON. A value that cannot be converted is
 * passed through as text, so the schema reports it with its path.
 */
import { z } from 'zod';
import { configSchema } from './schema.js';

interface JsonSchemaNode {
  type?: string;
  properties?: Record<string, JsonSchemaNode>;
  anyOf?: JsonSchemaNode[];
}

export interface EnvField {
  name: string;
  path: string[];
  type: string;
  /** The field accepts null: the text `null` sets it so. */
  nullable: boolean;
}

const PREFIX = 'DASHCAMD_';

function snake(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

let cached: EnvField[] | null = null;

/** Every leaf field of the config with its environment variable name. */
export function envFields(): EnvField[] {
  if (cached) return cached;
  const root = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchemaNode;
  const out: EnvField[] = [];
  const walk = (node: JsonSchemaNode, path: string[]): void => {
    if (node.type === 'object' && node.properties) {
      for (const [k, child] of Object.entries(node.properties)) walk(child, [...path, k]);
      return;
    }
    const type = node.type ?? node.anyOf?.find((n) => n.type && n.type !== 'null')?.type ?? 'string';
    const nullable = node.type === 'null' || (node.anyOf?.some((n) => n.type === 'null') ?? false);
    out.push({ name: PREFIX + path.map(snake).join('__'), path, type, nullable });
  };
  walk(root, []);
  cached = out;
  return out;
}

function convert(raw: string, type: string): unknown {
  switch (type) {
    case 'integer':
    case 'number': {
      const n = Number(raw);
      return raw.trim() !== '' && Number.isFinite(n) ? n : raw;
    }
    case 'boolean':
      if (/^(1|true|yes|on)$/i.test(raw)) return true;
      if (/^(0|false|no|off)$/i.test(raw)) return false;
      return raw;
    case 'array':
    case 'object':
      try {
        return JSON.parse(raw);
      } catch {
        return raw;
      }
    default:
      return raw;
  }
}

export function envOverrides(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of envFields()) {
    const raw = env[field.name];
    if (raw === undefined) continue;
    let node = out;
    for (const key of field.path.slice(0, -1)) {
      node[key] ??= {};
      node = node[key] as Record<string, unknown>;
    }
    node[field.path[field.path.length - 1]!] = field.nullable && raw.trim() === 'null' ? null : convert(raw, field.type);
  }
  return out;
}
