import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bboxToTileRange, flipY, haversineM, lonLatToTile, MAX_LAT, tileBounds, type Tile } from '../geodata/tiles.js';
import { TileArea, type AreaSpec, type LonLat } from '../geodata/area.js';

const key = (t: Tile): string => `${t.z}/${t.x}/${t.y}`;

test('points map to the tiles published for known coordinates', () => {
  // Values from @mapbox/tilebelt's test suite and the slippy-map definition.
  assert.deepEqual(lonLatToTile(-77.03239381313323, 38.91326516559442, 10), { z: 10, x: 292, y: 391 });
  assert.deepEqual(lonLatToTile(0, 0, 0), { z: 0, x: 0, y: 0 });
  assert.deepEqual(lonLatToTile(0.0001, -0.0001, 5), { z: 5, x: 16, y: 16 });
  assert.deepEqual(lonLatToTile(-0.0001, 0.0001, 5), { z: 5, x: 15, y: 15 });
  assert.deepEqual(lonLatToTile(-180, MAX_LAT, 12), { z: 12, x: 0, y: 0 });
  assert.deepEqual(lonLatToTile(180, -MAX_LAT, 12), { z: 12, x: 4095, y: 4095 });
  assert.deepEqual(lonLatToTile(180, -90, 3), { z: 3, x: 7, y: 7 }, 'beyond the Mercator limit clamps to the edge tile');
});

test('tile bounds are the edges of the tile grid', () => {
  const [w, s, e, n] = tileBounds({ z: 1, x: 0, y: 0 });
  assert.equal(w, -180);
  assert.equal(e, 0);
  assert.ok(Math.abs(s) < 1e-9);
  assert.ok(Math.abs(n - MAX_LAT) < 1e-9);
});

test('every point lies inside the bounds of its own tile', () => {
  fc.assert(
    fc.property(fc.double({ min: -179.999, max: 179.999, noNaN: true }), fc.double({ min: -85, max: 85, noNaN: true }), fc.integer({ min: 0, max: 20 }), (lon, lat, z) => {
      const [w, s, e, n] = tileBounds(lonLatToTile(lon, lat, z));
      return lon >= w - 1e-9 && lon <= e + 1e-9 && lat >= s - 1e-9 && lat <= n + 1e-9;
    }),
  );
});

test('the TMS row flip mirrors rows and is its own inverse', () => {
  assert.equal(flipY(0, 0), 0);
  assert.equal(flipY(0, 3), 7);
  assert.equal(flipY(7, 3), 0);
  assert.equal(flipY(391, 10), 632);
  fc.assert(fc.property(fc.integer({ min: 0, max: 20 }), fc.nat(), (z, raw) => flipY(flipY(raw % 2 ** z, z), z) === raw % 2 ** z));
});

test('a bbox covers the expected tile ranges and counts per zoom', () => {
  const range = bboxToTileRange([-180, -MAX_LAT, 180, MAX_LAT], 2);
  assert.deepEqual(range, { z: 2, minX: 0, maxX: 3, minY: 0, maxY: 3 });
  // A bbox exactly on the edges of tile 1/1/0 does not leak into neighbours.
  assert.deepEqual(bboxToTileRange([0, 0, 180, MAX_LAT], 1), { z: 1, minX: 1, maxX: 1, minY: 0, maxY: 0 });
  const area = new TileArea({ type: 'bbox', bbox: [-180, -MAX_LAT, 180, MAX_LAT] }, 0, 4);
  assert.deepEqual(area.counts(), { 0: 1, 1: 4, 2: 16, 3: 64, 4: 256 });
  assert.equal(area.total(), 341);
});

const bboxArb = fc
  .tuple(fc.double({ min: -179, max: 178, noNaN: true }), fc.double({ min: -80, max: 79, noNaN: true }), fc.double({ min: 0.001, max: 1, noNaN: true }), fc.double({ min: 0.001, max: 1, noNaN: true }))
  .map(([w, s, dw, dh]): AreaSpec => ({ type: 'bbox', bbox: [w, s, w + dw, s + dh] }));
const pointArb = fc.tuple(fc.double({ min: -170, max: 170, noNaN: true }), fc.double({ min: -70, max: 70, noNaN: true }));
const radiusArb = fc.tuple(pointArb, fc.double({ min: 0.2, max: 20, noNaN: true })).map(([c, r]): AreaSpec => ({ type: 'radius', center: c, radiusKm: r }));
const corridorArb = fc
  .tuple(pointArb, fc.array(fc.tuple(fc.double({ min: -0.2, max: 0.2, noNaN: true }), fc.double({ min: -0.2, max: 0.2, noNaN: true })), { minLength: 1, maxLength: 6 }), fc.double({ min: 0.1, max: 5, noNaN: true }))
  .map(([start, steps, w]): AreaSpec => {
    const line: LonLat[] = [start];
    for (const [dx, dy] of steps) {
      const last = line[line.length - 1] as LonLat;
      line.push([last[0] + dx, last[1] + dy]);
    }
    return { type: 'corridor', lines: [line], widthKm: w };
  });
const areaArb = fc.oneof(bboxArb, radiusArb, corridorArb);

test('the count per zoom equals the number of distinct tiles the enumerator yields', () => {
  fc.assert(
    fc.property(areaArb, fc.integer({ min: 0, max: 13 }), (spec, z) => {
      const area = new TileArea(spec, z, z);
      const seen = new Set<string>();
      for (const t of area.tiles()) seen.add(key(t));
      let n = 0;
      for (const _ of area.tiles()) n++;
      return n === seen.size && n === area.countZoom(z) && n > 0;
    }),
    { numRuns: 150 },
  );
});

test('enumerating from any cursor yields exactly the rest of the sequence', () => {
  fc.assert(
    fc.property(areaArb, fc.integer({ min: 8, max: 12 }), fc.double({ min: 0, max: 0.999, noNaN: true }), (spec, z, frac) => {
      const area = new TileArea(spec, z - 1, z);
      const all = [...area.tiles()].map(key);
      const i = Math.floor(frac * all.length);
      const [cz, cx, cy] = (all[i] as string).split('/').map(Number) as [number, number, number];
      const rest = [...area.tiles({ z: cz, x: cx, y: cy })].map(key);
      assert.deepEqual(rest, all.slice(i));
      return true;
    }),
    { numRuns: 80 },
  );
});

/** Ground distance (m) from a point to the nearest point of a tile. */
function tileDistM(t: Tile, lon: number, lat: number): number {
  const [w, s, e, n] = tileBounds(t);
  return haversineM(lon, lat, Math.min(e, Math.max(w, lon)), Math.min(n, Math.max(s, lat)));
}

test('a radius area holds the tiles within the radius and none far outside it', () => {
  fc.assert(
    fc.property(pointArb, fc.double({ min: 0.5, max: 10, noNaN: true }), fc.integer({ min: 11, max: 14 }), (c, rKm, z) => {
      const area = new TileArea({ type: 'radius', center: c, radiusKm: rKm }, z, z);
      const got = new Set([...area.tiles()].map(key));
      const centre = lonLatToTile(c[0], c[1], z);
      const span = Math.ceil((rKm * 1000) / ((40_075_016 * Math.cos((c[1] * Math.PI) / 180)) / 2 ** z)) + 2;
      for (let y = centre.y - span; y <= centre.y + span; y++) {
        for (let x = centre.x - span; x <= centre.x + span; x++) {
          const t = { z, x, y };
          const d = tileDistM(t, c[0], c[1]);
          if (d < rKm * 1000 * 0.99) assert.ok(got.has(key(t)), `tile ${key(t)} at ${d.toFixed(0)} m is missing`);
          if (got.has(key(t))) assert.ok(d <= rKm * 1000 * 1.01 + 1, `tile ${key(t)} at ${d.toFixed(0)} m is outside ${rKm} km`);
        }
      }
      return true;
    }),
    { numRuns: 40 },
  );
});

test('a corridor covers every point near the route and no tile far from it', () => {
  fc.assert(
    fc.property(corridorArb, fc.integer({ min: 10, max: 13 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: -0.97, max: 0.97, noNaN: true }), (spec, z, along, across) => {
      if (spec.type !== 'corridor') return true;
      const line = spec.lines[0] as LonLat[];
      const half = (spec.widthKm * 1000) / 2;
      const area = new TileArea(spec, z, z);
      const got = new Set([...area.tiles()].map(key));
      // A point beside the route, less than half the width away from it, lies in a covered tile.
      const seg = Math.min(line.length - 2, Math.floor(along * (line.length - 1)));
      const a = line[Math.max(0, seg)] as LonLat;
      const b = line[Math.max(0, seg) + 1] ?? a;
      const t = along * (line.length - 1) - Math.max(0, seg);
      const cosLat = Math.cos((a[1] * Math.PI) / 180);
      const [vx, vy] = [(b[0] - a[0]) * cosLat, b[1] - a[1]];
      const len = Math.hypot(vx, vy) || 1;
      const offDeg = (across * half) / 111_195;
      const p: LonLat = [a[0] + (b[0] - a[0]) * Math.min(1, t) + (-vy / len) * (offDeg / cosLat), a[1] + (b[1] - a[1]) * Math.min(1, t) + (vx / len) * offDeg];
      assert.ok(got.has(key(lonLatToTile(p[0], p[1], z))), 'a point inside the corridor is not covered');
      // No covered tile is farther than half the width (plus 2 %) from the densely sampled route.
      const samples: LonLat[] = [];
      for (let i = 1; i < line.length; i++) {
        const [p0, p1] = [line[i - 1] as LonLat, line[i] as LonLat];
        for (let k = 0; k <= 200; k++) samples.push([p0[0] + ((p1[0] - p0[0]) * k) / 200, p0[1] + ((p1[1] - p0[1]) * k) / 200]);
      }
      if (line.length === 1) samples.push(line[0] as LonLat);
      const step = Math.max(...samples.slice(1).map((s, i) => haversineM(s[0], s[1], (samples[i] as LonLat)[0], (samples[i] as LonLat)[1])), 0);
      for (const k of got) {
        const [tz, tx, ty] = k.split('/').map(Number) as [number, number, number];
        const d = Math.min(...samples.map((s) => tileDistM({ z: tz, x: tx, y: ty }, s[0], s[1])));
        assert.ok(d <= half * 1.02 + step, `tile ${k} is ${d.toFixed(0)} m from the route (half width ${half.toFixed(0)} m)`);
      }
      return true;
    }),
    { numRuns: 40 },
  );
});

test('a long corridor at high zoom is counted without enumerating it', () => {
  // About 600 km of route, 2 km wide, zoom 20: over a million tiles (1,200 km2 / 0.0029 km2).
  const line: LonLat[] = [];
  for (let i = 0; i <= 60; i++) line.push([10 + i * 0.05, 45 + i * 0.08]);
  const area = new TileArea({ type: 'corridor', lines: [line], widthKm: 2 }, 20, 20);
  const before = process.memoryUsage().heapUsed;
  const n = area.countZoom(20);
  assert.ok(n > 1_000_000, `expected millions of tiles, got ${n}`);
  assert.ok(process.memoryUsage().heapUsed - before < 50 * 1024 * 1024, 'counting allocated a tile list');
  const first = area.tiles().next();
  assert.equal(first.done, false);
});
