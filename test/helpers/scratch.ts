/**
 * Temporary directories for geodata tests, removed after the file's tests
 * (each test file runs in its own process, so this hook is per file).
 */
import { after } from 'node:test';
import { rm } from 'node:fs/promises';
import { tempDir } from './daemon.js';

const dirs: string[] = [];

after(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

export async function scratchDir(): Promise<string> {
  const d = await tempDir('dashcamd-geo-test-');
  dirs.push(d);
  return d;
}
