/**
 * Builds the phone UI into web/dist: index.html plus content-hashed assets
 * under /assets/ (served as immutable). The entry bundle holds the connection,
 * the router and the small screens; the map (Leaflet, its CSS and marker
 * images) is split into a chunk that loads only when the map is opened, so the
 * first load over a slow hotspot stays small; Leaflet's stylesheet is built
 * separately and linked by the map chunk. Everything is local: no CDN, no
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
const common = {
  bundle: true,
  minify: true,
  outdir: assets,
  assetNames: '[name]-[hash]',
  publicPath: '/assets/',
  loader: { '.png': 'file', '.svg': 'file' },
  metafile: true,
  write: true,
  logLevel: 'warning',
} as const;

// Pass 1: Leaflet's stylesheet (with its images) on its own, so the map chunk
// can load it when the map opens instead of every first page load paying for it.
const leafletCss = await build({ ...common, entryPoints: [join(webDir, 'src', 'leaflet.css')], entryNames: 'leaflet-[hash]' });
const leafletCssName = Object.keys(leafletCss.metafile.outputs).map((f) => relative(assets, f)).find((n) => n.endsWith('.css'));
if (!leafletCssName) throw new Error('web build: leaflet stylesheet missing');

const result = await build({
  ...common,
  define: { __LEAFLET_CSS__: JSON.stringify(`/assets/${leafletCssName}`) },
  entryPoints: [join(webDir, 'src', 'main.ts')],
  splitting: true,
  format: 'esm',
  target: ['es2020', 'chrome90', 'safari15'],
  entryNames: 'app-[hash]',
  chunkNames: 'chunk-[hash]',
});

// The entry's JS and its CSS (style.css) go into index.html.
let jsName = '';
let cssName = '';
const sizes: string[] = [];
for (const [file, meta] of Object.entries({ ...leafletCss.metafile.outputs, ...result.metafile.outputs })) {
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
