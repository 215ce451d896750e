/**
 * Benchmark results: figures with their goal, a printed table, JSON files.
 * Benchmarks report; they never fail the build on numbers.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RESULTS_DIR } from './paths.js';

export interface Goal {
  /** Human-readable, e.g. "<= 5 %". */
  text: string;
  met: boolean;
}

export interface Figure {
  label: string;
  value: number;
  unit: string;
  goal?: Goal;
}

export interface BenchResult {
  name: string;
  title: string;
  figures: Figure[];
  /** Raw measurements, for the JSON file. */
  details: Record<string, unknown>;
}

export function atMost(value: number, limit: number, unit: string): Goal {
  return { text: `<= ${limit} ${unit}`.trim(), met: value <= limit };
}

export function atLeast(value: number, limit: number, unit: string): Goal {
  return { text: `>= ${limit} ${unit}`.trim(), met: value >= limit };
}

export function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export async function writeResult(result: BenchResult, meta: Record<string, unknown>): Promise<string> {
  await mkdir(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `${result.name}.json`);
  await writeFile(file, `${JSON.stringify({ ...meta, ...result }, null, 2)}\n`);
  return file;
}

/** One table over all results: benchmark, figure, value, goal, met. */
export function formatTable(results: BenchResult[]): string {
  const rows: string[][] = [['benchmark', 'figure', 'value', 'goal', 'status']];
  for (const r of results) {
    for (const f of r.figures) {
      rows.push([r.name, f.label, `${f.value} ${f.unit}`.trim(), f.goal?.text ?? '', f.goal ? (f.goal.met ? 'met' : 'NOT MET') : '']);
    }
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const line = (row: string[]): string => row.map((c, i) => (i === 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  const sep = widths.map((w) => '-'.repeat(w)).join('  ').trimEnd();
  return [line(rows[0]!), sep, ...rows.slice(1).map(line)].join('\n');
}
