/**
 * Builds the phone UI into web/dist: index.html plus content-hashed assets
 * under /assets/ (served as immutable). The entry bundle holds the connection,
 * the router and the small screens; the map (Leaflet, its CSS and marker
 * images) is split into a chunk that loads only when the map is opened, so the
 * first load over a slow hotspot stays small. Everything is local: no CDN, no
 * external fonts.
 */
import { build } from 'esbuild';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const webDir = dirname(fileURLToPath(import.meta.url));
const out = join(webDir, 'dist');
const assets = join(out, 'assets');

await rm(out, { recursive: true, force: true });
await mkdir(assets, { recursive: true });
const result = await build({
  entryPoints: [join(webDir, 'src', 'main.ts')],
  bundle: true,
  splitting: true,
  format: 'esm',
  target: ['es2020', 'chrome90', 'safari15'],
  minify: true,
  outdir: assets,
  entryNames: 'app-[hash]',
  chunkNames: 'chunk-[hash]',
  assetNames: '[name]-[hash]',
  publicPath: '/assets/',
  loader: { '.png': 'file', '.svg': 'file' },
  metafile: true,
  write: true,
  logLevel: 'warning',
});

// The entry's JS and its CSS (style.css plus any CSS that chunks import) go into index.html.
let jsName = '';
let cssName = '';
const sizes: string[] = [];
for (const [file, meta] of Object.entries(result.metafile.outputs)) {
  const name = relative(assets, file);
  if (!name.endsWith('.map')) sizes.push(`${name} ${(meta.bytes / 1024).toFixed(1)} KB`);
  // Dynamically imported modules count as entry points too: pick main.ts's output.
  if (meta.entryPoint && meta.entryPoint.endsWith('src/main.ts')) {
    jsName = name;
    if (meta.cssBundle) cssName = relative(assets, meta.cssBundle);
  }
}
if (!jsName || !cssName) throw new Error(`web build: entry ${jsName || '?'} or its CSS ${cssName || '?'} missing`);
const html = (await readFile(join(webDir, 'src', 'index.html'), 'utf8')).replace('%JS%', jsName).replace('%CSS%', cssName);
await writeFile(join(out, 'index.html'), html);
console.log(`web: ${sizes.sort().join(', ')}`);
