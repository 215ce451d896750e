/**
 * The config reference as a Markdown table, generated from the one schema so
 * it cannot drift: field path, environment variable, type, default and
 * limits. `make config-reference` prints it; docs/config.md embeds a copy.
 */
import { z } from 'zod';
import { configSchema } from './schema.js';
import { envFields } from './env.js';

interface Node {
  type?: string;
  default?: unknown;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  properties?: Record<string, Node>;
  anyOf?: Node[];
}

function nodeAt(root: Node, path: string[]): Node {
  let node = root;
  for (const key of path) node = node.properties?.[key] ?? {};
  return node;
}

/** Limits in words: allowed values, ranges (JavaScript's safe-integer bound is no limit), nullability. */
function limits(node: Node): string {
  const base = node.anyOf?.find((n) => n.type !== undefined && n.type !== 'null') ?? node;
  const parts: string[] = [];
  if (base.enum) parts.push(base.enum.map((v) => `\`${JSON.stringify(v)}\``).join(', '));
  if (base.minimum !== undefined && base.minimum > Number.MIN_SAFE_INTEGER) parts.push(`>= ${base.minimum}`);
  if (base.maximum !== undefined && base.maximum < Number.MAX_SAFE_INTEGER) parts.push(`<= ${base.maximum}`);
  if (base.minLength === 1) parts.push('not empty');
  else if (base.minLength !== undefined && base.minLength > 1) parts.push(`at least ${base.minLength} characters`);
  if (node.anyOf?.some((n) => n.type === 'null')) parts.push('`null` = not used');
  return parts.join('; ');
}

export function configReference(): string {
  const root = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as Node;
  const rows = envFields().map((field) => {
    const node = nodeAt(root, field.path);
    const def = node.default === undefined ? '(unset)' : `\`${JSON.stringify(node.default)}\``;
    return `| \`${field.path.join('.')}\` | \`${field.name}\` | ${field.type} | ${def} | ${limits(node)} |`;
  });
  return ['| field | environment variable | type | default | limits |', '|---|---|---|---|---|', ...rows, ''].join('\n');
}
