/**
 * The benchmark's tile server in a process of its own, so neither the plain
 * loop nor the worker shares a thread or a heap with it (as with a real
 * server). Usage: node --import tsx bench/lib/tile-server-child.ts LATENCY_MS [WARM_JSON]
 * WARM_JSON: {"area":..., "minZoom":..., "maxZoom":...} whose tiles are encoded
 * before the port is printed; without it the server keeps nothing in memory.
 */
import { TileArea } from '../../geodata/area.js';
import type { JobSpec } from '../../geodata/job-spec.js';
import { TileServer } from '../../test/helpers/tile-server.js';

const latencyMs = Number(process.argv[2] ?? '0');
const warm = process.argv[3] ? (JSON.parse(process.argv[3]) as Pick<JobSpec, 'area' | 'minZoom' | 'maxZoom'>) : null;
const server = await new TileServer({ latencyMs, memoryless: warm === null, unlogged: true }).start();
if (warm) for (const t of new TileArea(warm.area, warm.minZoom, warm.maxZoom).tiles()) server.body(t.z, t.x, t.y);
process.stdout.write(`${server.port}\n`);
process.stdin.resume();
process.stdin.on('end', () => void server.stop().then(() => process.exit(0)));
