/**
 * HTTP side of the one uWS app: health, JSON errors for bad requests, and the
 * static phone UI without path traversal and with correct content types.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startInProcess, tempDir, type InProcess } from './helpers/daemon.js';
import { TestClient } from './helpers/ws-client.js';
import type { Health } from '../daemon/api.js';

let d: InProcess;

before(async () => {
  const web = await tempDir('dashcamd-web-');
  await mkdir(join(web, 'assets'));
  await writeFile(join(web, 'index.html'), '<!doctype html><title>t</title>');
  await writeFile(join(web, 'assets', 'app-1234.js'), 'console.log(1)');
  await writeFile(join(web, 'assets', 'style-1234.css'), 'body{}');
  await writeFile(join(web, 'icon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  d = await startInProcess({ server: { webRoot: web, maxBodyBytes: 2048 }, debug: { testHooks: true } });
});
after(async () => {
  await d.stop();
});

/** A raw request, so paths reach the server exactly as written (fetch normalises ../). */
function raw(path: string, method = 'GET', body?: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: d.port, path, method, headers }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('health reports version, uptime, the uWS implementation, clients, loop delay and memory', async () => {
  const c = new TestClient(d.wsUrl);
  await c.until(() => c.state !== null, 5000, 'snapshot');
  const res = await fetch(`${d.url}api/health`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /application\/json/);
  const h = (await res.json()) as Health;
  assert.match(h.version, /^\d+\.\d+\.\d+/);
  assert.equal(h.websocket.kind, 'native');
  assert.equal(h.clients, 1);
  assert.equal(typeof h.uptimeS, 'number');
  assert.equal(typeof h.loopDelay.p50Ms, 'number');
  assert.equal(typeof h.loopDelay.p99Ms, 'number');
  assert.ok(h.memory.rssBytes > 10e6);
  c.close();
});

test('the system topic carries load, memory, disk free of the data directory, uptime and loop delay', async () => {
  const s = d.daemon.store.get('system');
  assert.ok(s, 'system state published at start');
  assert.ok(s.memTotalBytes > 0 && s.memFreeBytes > 0);
  assert.ok((s.diskFreeBytes ?? 0) > 0 && (s.diskTotalBytes ?? 0) >= (s.diskFreeBytes ?? 0));
  assert.ok(s.uptimeS > 0);
  assert.equal(typeof s.loopDelayP99Ms, 'number');
});

test('unknown API paths get a JSON 404 with a stable code', async () => {
  const res = await raw('/api/nothing-here');
  assert.equal(res.status, 404);
  assert.equal((JSON.parse(res.body) as { error: { code: string } }).error.code, 'NOT_FOUND');
});

test('a request that matches no route always gets an answer', async () => {
  const post = await raw('/index.html', 'POST', '{}', { 'content-type': 'application/json' });
  assert.equal(post.status, 405);
  assert.equal((JSON.parse(post.body) as { error: { code: string } }).error.code, 'METHOD_NOT_ALLOWED');
  assert.equal((await raw('//api/debug/block', 'POST', '{}')).status, 405);
  assert.equal((await raw('/api/health', 'DELETE')).status, 404);
});

test('bad API bodies get 400, 413 and 415 with a stable code, and change nothing', async () => {
  const json = { 'content-type': 'application/json' };
  const badJson = await raw('/api/debug/block', 'POST', '{"ms":', json);
  assert.equal(badJson.status, 400);
  assert.equal((JSON.parse(badJson.body) as { error: { code: string } }).error.code, 'BAD_JSON');
  const invalid = await raw('/api/debug/block', 'POST', JSON.stringify({ ms: 'long', extra: 1 }), json);
  assert.equal(invalid.status, 400);
  const err = (JSON.parse(invalid.body) as { error: { code: string; details: string[] } }).error;
  assert.equal(err.code, 'VALIDATION');
  assert.ok(err.details.some((x) => x.startsWith('ms: ')));
  assert.ok(err.details.some((x) => x.startsWith('extra: unknown field')));
  const tooBig = await raw('/api/debug/block', 'POST', JSON.stringify({ ms: 1, pad: 'x'.repeat(5000) }), json);
  assert.equal(tooBig.status, 413);
  const wrongType = await raw('/api/debug/block', 'POST', 'ms=1', { 'content-type': 'application/x-www-form-urlencoded' });
  assert.equal(wrongType.status, 415);
});

test('static files are served with their content types and cache rules', async () => {
  const index = await raw('/');
  assert.equal(index.status, 200);
  assert.match(String(index.headers['content-type']), /^text\/html/);
  assert.equal(index.headers['cache-control'], 'no-cache');
  const js = await raw('/assets/app-1234.js');
  assert.match(String(js.headers['content-type']), /^text\/javascript/);
  assert.match(String(js.headers['cache-control']), /immutable/);
  assert.match(String((await raw('/assets/style-1234.css')).headers['content-type']), /^text\/css/);
  assert.equal((await raw('/icon.svg')).headers['content-type'], 'image/svg+xml');
  const again = await raw('/assets/app-1234.js', 'GET', undefined, { 'if-none-match': String(js.headers.etag) });
  assert.equal(again.status, 304);
  // Client-side routes without an extension get the app; missing files do not.
  assert.equal((await raw('/downloads')).status, 200);
  assert.equal((await raw('/missing.js')).status, 404);
});

test('path traversal never reaches the filesystem', async () => {
  for (const path of ['/../package.json', '/assets/../../package.json', '/%2e%2e/package.json', '/..%2f..%2fetc%2fpasswd', '/assets/%2e%2e%2f%2e%2e%2fpackage.json', '/%00index.html', '/%E0%A4%A.js']) {
    const res = await raw(path);
    assert.ok(!res.body.includes('"dependencies"') && !res.body.includes('root:'), `leak via ${path}`);
    assert.ok(res.status === 404 || (res.status === 200 && res.body.startsWith('<!doctype html>')), `${path} -> ${res.status}`);
  }
});
