/**
 * The generated config reference (daemon/config/reference.ts) that
 * docs/config.md embeds and `make config-reference` prints.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configReference } from '../daemon/config/reference.js';
import { envFields } from '../daemon/config/env.js';

test('the config reference has one row per field with its environment variable', () => {
  const rows = configReference()
    .split('\n')
    .filter((l) => l.startsWith('| `'));
  assert.equal(rows.length, envFields().length);
  for (const field of envFields()) {
    assert.ok(
      rows.some((r) => r.startsWith(`| \`${field.path.join('.')}\` | \`${field.name}\` |`)),
      `${field.path.join('.')} is listed as ${field.name}`,
    );
  }
});

test('the config reference shows defaults and limits from the schema', () => {
  const text = configReference();
  assert.match(text, /^\| `server\.port` \| `DASHCAMD_SERVER__PORT` \| integer \| `8080` \| >= 0; <= 65535 \|$/m);
  assert.match(text, /^\| `log\.level` \| `DASHCAMD_LOG__LEVEL` \| string \| `"info"` \| `"fatal"`, `"error"`, `"warn"`, `"info"`, `"debug"`, `"trace"` \|$/m);
  assert.match(text, /^\| `server\.token` \| `DASHCAMD_SERVER__TOKEN` \| string \| \(unset\) \| at least 8 characters \|$/m);
});
