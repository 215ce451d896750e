/**
 * Builds the phone UI into web/dist: one bundled, minified ES module and one
 * stylesheet, both with content hashes (served as immutable), and index.html.
 * Everything is local: no CDN, no external fonts.
 */
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const webDir = dirname(fileURLToPath(import.meta.url));
const out = join(webDir, 'dist');
const hash = (b: string | Uint8Array): string => createHash('sha256').update(b).digest('hex').slice(0, 10);

await rm(out, { recursive: true, force: true });
await mkdir(join(out, 'assets'), { recursive: true });
const result = await build({
  entryPoints: [join(webDir, 'src', 'main.ts')],
  bundle: true,
  format: 'esm',
  target: ['es2020', 'chrome90', 'safari14'],
  minify: true,
  write: false,
  logLevel: 'warning',
});
const js = result.outputFiles[0]!.contents;
const css = await readFile(join(webDir, 'src', 'style.css'), 'utf8');
const jsName = `app-${hash(js)}.js`;
const cssName = `style-${hash(css)}.css`;
await writeFile(join(out, 'assets', jsName), js);
await writeFile(join(out, 'assets', cssName), css);
const html = (await readFile(join(webDir, 'src', 'index.html'), 'utf8')).replace('%JS%', jsName).replace('%CSS%', cssName);
await writeFile(join(out, 'index.html'), html);
console.log(`web: ${jsName} ${(js.length / 1024).toFixed(1)} KB, ${cssName}`);
