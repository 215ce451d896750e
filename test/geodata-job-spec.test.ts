import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatIssues } from '../daemon/config/load.js';
import { jobRequestSchema, resolveJob, sourceSchema, tileUrl, JobSpecError, type ResolveContext } from '../geodata/job-spec.js';

const source = { name: 'own', url: 'http://127.0.0.1:1/{z}/{x}/{y}.png' };
const ctx: ResolveContext = { sources: [sourceSchema.parse({ name: 'cfg', url: 'https://{s}.example.org/{z}/{x}/{y}.png', subdomains: ['a', 'b'] })], gpsFix: () => ({ lon: 13.4, lat: 52.5 }) };

function problems(input: unknown): string[] {
  const r = jobRequestSchema.safeParse(input);
  return r.success ? [] : formatIssues(r.error);
}

test('a valid bbox job parses with defaults filled in', () => {
  const r = jobRequestSchema.parse({ source, area: { type: 'bbox', bbox: [13, 52, 13.1, 52.1] }, minZoom: 0, maxZoom: 12 });
  assert.equal(typeof r.source === 'object' && r.source.maxConnections, 2);
  assert.equal(r.confirm, false);
  const spec = resolveJob(r, ctx);
  assert.equal(spec.name, 'own z0-12');
  assert.deepEqual(spec.area, { type: 'bbox', bbox: [13, 52, 13.1, 52.1] });
});

test('invalid jobs are rejected with path: message errors', () => {
  assert.deepEqual(problems({ source, area: { type: 'bbox', bbox: [13, 52, 12, 52.1] }, minZoom: 0, maxZoom: 21 }), [
    'area.bbox: west must be less than east (areas across the antimeridian are not supported)',
    'maxZoom: Too big: expected number to be <=20',
  ]);
  assert.deepEqual(problems({ source, area: { type: 'bbox', bbox: [13, 52, 14, 53] }, minZoom: 9, maxZoom: 3 }), ['minZoom: minZoom must not be greater than maxZoom']);
  assert.deepEqual(problems({ source: { ...source, url: 'http://x/{z}/{x}.png' }, area: { type: 'radius', center: [0, 0], radiusKm: 1 }, minZoom: 0, maxZoom: 1 }), ['source.url: must contain {z}, {x} and {y}']);
  assert.deepEqual(problems({ source: { ...source, url: 'http://{s}.x/{z}/{x}/{y}.png' }, area: { type: 'radius', center: [0, 0], radiusKm: 1 }, minZoom: 0, maxZoom: 1 }), [
    'source.subdomains: the url uses {s}, so subdomains must not be empty',
  ]);
  assert.ok(problems({ source, area: { type: 'corridor', widthKm: 1 }, minZoom: 0, maxZoom: 1 }).includes('area.line: give exactly one of line or route'));
  assert.ok(problems({ source, area: { type: 'square' }, minZoom: 0, maxZoom: 1 }).some((p) => p.startsWith('area.type:')));
});

test('tile.openstreetmap.org is refused as a bulk download source', () => {
  for (const url of ['https://tile.openstreetmap.org/{z}/{x}/{y}.png', 'https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png', 'http://a.tile.osm.org/{z}/{x}/{y}.png']) {
    const p = problems({ source: { name: 'osm', url, subdomains: ['a', 'b', 'c'] }, area: { type: 'bbox', bbox: [0, 0, 1, 1] }, minZoom: 0, maxZoom: 1 });
    assert.equal(p.length, 1, url);
    assert.match(p[0] as string, /^source\.url: tile\.openstreetmap\.org forbids bulk and offline downloading/);
  }
  assert.deepEqual(problems({ source: { name: 'own', url: 'https://tiles.example.org/openstreetmap.org/{z}/{x}/{y}.png' }, area: { type: 'bbox', bbox: [0, 0, 1, 1] }, minZoom: 0, maxZoom: 1 }), []);
});

test('a configured source is found by name and unknown names are explained', () => {
  const spec = resolveJob(jobRequestSchema.parse({ source: 'cfg', area: { type: 'radius', center: 'gps', radiusKm: 2 }, minZoom: 1, maxZoom: 2 }), ctx);
  assert.equal(spec.source.name, 'cfg');
  assert.deepEqual(spec.area, { type: 'radius', center: [13.4, 52.5], radiusKm: 2 });
  assert.throws(() => resolveJob(jobRequestSchema.parse({ source: 'nope', area: { type: 'bbox', bbox: [0, 0, 1, 1] }, minZoom: 0, maxZoom: 0 }), ctx), (err: unknown) => {
    assert.ok(err instanceof JobSpecError);
    assert.deepEqual(err.problems, ['source: no configured source named "nope" (known: cfg)']);
    return true;
  });
  const noFix = { ...ctx, gpsFix: () => null };
  assert.throws(() => resolveJob(jobRequestSchema.parse({ source: 'cfg', area: { type: 'radius', center: 'gps', radiusKm: 2 }, minZoom: 0, maxZoom: 0 }), noFix), /area.center: there is no GPS fix/);
});

test('routes are read from GeoJSON, GPX and KML uploads', () => {
  const resolveRoute = (format: string, data: unknown): unknown =>
    resolveJob(jobRequestSchema.parse({ source, area: { type: 'corridor', widthKm: 1, route: { format, data } }, minZoom: 0, maxZoom: 1 }), ctx).area;
  const geojson = { type: 'FeatureCollection', features: [{ type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates: [[13, 52], [13.1, 52.1, 40]] } }, { type: 'Feature', geometry: { type: 'Point', coordinates: [0, 0] } }] };
  assert.deepEqual(resolveRoute('geojson', geojson), { type: 'corridor', widthKm: 1, lines: [[[13, 52], [13.1, 52.1]]] });
  const gpx = `<?xml version="1.0"?><gpx version="1.1"><trk><trkseg><trkpt lat="52.0" lon="13.0"><ele>3</ele></trkpt><trkpt lon='13.1' lat='52.1'/></trkseg></trk><rte><rtept lat="1" lon="2"/></rte></gpx>`;
  assert.deepEqual(resolveRoute('gpx', gpx), { type: 'corridor', widthKm: 1, lines: [[[13, 52], [13.1, 52.1]], [[2, 1]]] });
  const kml = `<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><LineString><coordinates>\n 13,52,0 13.1,52.1,0\n</coordinates></LineString></Placemark></kml>`;
  assert.deepEqual(resolveRoute('kml', kml), { type: 'corridor', widthKm: 1, lines: [[[13, 52], [13.1, 52.1]]] });
  assert.throws(() => resolveRoute('gpx', '<html>no</html>'), /area.route: route: not a GPX document/);
  assert.throws(() => resolveRoute('geojson', { type: 'LineString', coordinates: [[200, 1]] }), /area.route: route.coordinates.0: invalid coordinate/);
  assert.throws(() => resolveRoute('kml', '<kml></kml>'), /contains no line points/);
});

test('url templates expand coordinates and rotate subdomains', () => {
  const s = ctx.sources[0]!;
  assert.equal(tileUrl(s, 3, 4, 5), 'https://b.example.org/3/4/5.png');
  assert.equal(tileUrl(s, 3, 4, 4), 'https://a.example.org/3/4/4.png');
});
