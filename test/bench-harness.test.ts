/**
 * The arithmetic and reporting of bench/ (the benchmarks themselves report
 * figures and are not tests).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { percentile, median } from '../bench/lib/stats.js';
import { atLeast, atMost, formatTable, type BenchResult } from '../bench/lib/report.js';
import { progressDelta, progressJob, JOB_ID } from '../bench/lib/payload.js';
import { applyDelta, emptyState, type DeltaMessage } from '../daemon/protocol.js';

test('percentile uses the nearest rank and does not reorder its input', () => {
  const samples = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
  assert.equal(percentile(samples, 50), 5);
  assert.equal(percentile(samples, 99), 10);
  assert.equal(percentile(samples, 10), 1);
  assert.equal(median([3, 1, 2]), 2);
  assert.deepEqual(samples, [5, 1, 4, 2, 3, 10, 9, 8, 7, 6]);
  assert.ok(Number.isNaN(percentile([], 50)));
});

test('goals say met or not met at their limit', () => {
  assert.deepEqual(atMost(5, 5, '%'), { text: '<= 5 %', met: true });
  assert.equal(atMost(5.01, 5, '%').met, false);
  assert.equal(atLeast(2.99, 3, 'x').met, false);
  assert.equal(atLeast(3, 3, 'x').met, true);
});

test('the table lists every figure with its goal and status', () => {
  const result: BenchResult = {
    name: 'demo',
    title: 'demo',
    figures: [
      { label: 'cpu', value: 7.5, unit: '% core', goal: atMost(7.5, 5, '%') },
      { label: 'p99', value: 1.2, unit: 'ms', goal: atMost(1.2, 20, 'ms') },
      { label: 'rate', value: 800, unit: 'msg/s' },
    ],
    details: {},
  };
  const lines = formatTable([result]).split('\n');
  assert.equal(lines.length, 5);
  assert.match(lines[2]!, /^demo\s+cpu\s+7\.5 % core\s+<= 5 %\s+NOT MET$/);
  assert.match(lines[3]!, /^demo\s+p99\s+1\.2 ms\s+<= 20 ms\s+met$/);
  assert.match(lines[4]!, /^demo\s+rate\s+800 msg\/s$/);
});

test('the fan-out payload is a valid downloads delta of about 300 bytes', () => {
  const text = progressDelta(1234);
  assert.ok(text.length >= 250 && text.length <= 320, `length ${text.length}`);
  const msg = JSON.parse(text) as DeltaMessage;
  const state = applyDelta(emptyState(), msg);
  assert.equal(state.downloads[JOB_ID]?.state, 'running');
  assert.notEqual(progressJob(1), progressJob(1), 'each step is a new object, as the store requires');
});
