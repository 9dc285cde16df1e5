// The memory guard: where the limit comes from, and a producer with a small MEMORY_LIMIT_MB that
// refuses new items (reason `memory`, /jobs 503 + Retry-After) instead of running out of memory.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { detectMemoryLimit } from '../producer/src/memory-guard';
import { assertBalanced, assertNoProcessFault, sleep, startService } from './helpers/services';

const MB = 1024 * 1024;

test('the limit is the smaller of the cgroup (v2, else v1) and MEMORY_LIMIT_MB; "max" and absurd values are no limit', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'cgroup-'));
  const write = (file: string, text: string) => {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  };
  try {
    assert.deepEqual(detectMemoryLimit(256, root), { bytes: 256 * MB, source: 'MEMORY_LIMIT_MB' }, 'no cgroup files');
    write('memory/memory.limit_in_bytes', '9223372036854771712\n'); // what v1 says for "unlimited"
    assert.equal(detectMemoryLimit(256, root).source, 'MEMORY_LIMIT_MB');
    write('memory/memory.limit_in_bytes', `${100 * MB}\n`);
    assert.deepEqual(detectMemoryLimit(256, root), { bytes: 100 * MB, source: 'cgroup v1' });
    write('memory.max', 'max\n');
    assert.equal(detectMemoryLimit(256, root).source, 'cgroup v1', 'v2 "max" falls back to v1');
    write('memory.max', `${128 * MB}\n`);
    assert.deepEqual(detectMemoryLimit(256, root), { bytes: 128 * MB, source: 'cgroup v2' });
    assert.deepEqual(detectMemoryLimit(64, root), { bytes: 64 * MB, source: 'MEMORY_LIMIT_MB' }, 'the smaller applies');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('with memory_guard on, a producer near its limit refuses new items instead of dying', async (t) => {
  const LIMIT_MB = 160;
  // The consumer holds every request, so items pile up in an unbounded queue, 100 KB each.
  const consumer = await startService('consumer', { PAUSED: 'true' });
  const producer = await startService(
    'producer',
    {
      CONSUMER_URL: consumer.url,
      PRODUCTION_RATE: '0',
      PAYLOAD_BYTES: '100000',
      MEMORY_LIMIT_MB: String(LIMIT_MB),
      MEMORY_GUARD: 'true',
      MEMORY_GUARD_THRESHOLD: '0.7', // 112 MB: room for what arrives before the next RSS reading, and GC lag
    },
    [`--max-old-space-size=${LIMIT_MB}`], // as `npm start` runs it: past the limit it would crash
  );
  try {
    const idle = await producer.get('/status');
    assert.ok(idle.process.memory_limit_mb <= LIMIT_MB);
    if (idle.process.memory_limit_mb === LIMIT_MB) assert.equal(idle.process.memory_limit_source, 'MEMORY_LIMIT_MB');
    assert.equal(idle.process.memory_guard.enabled, true);
    assert.equal(idle.process.memory_guard.shedding, false, `not shedding at ${idle.process.memory_mb} MB`);

    // 1 MB every 25 ms until the guard refuses: at most 400 MB, far past the limit. The guard reads
    // RSS every 100 ms, so what arrives meanwhile (here ≤ 4 MB) may pass it; the threshold leaves room.
    let refused: any;
    for (let i = 0; i < 400 && !refused; i++) {
      const res = await producer.post('/produce', { count: 10 });
      if (res.body.rejected > 0) refused = res;
      await sleep(25);
    }
    assert.ok(refused, 'the guard refused items before the process ran out of memory');
    const shedding = await producer.get('/status');
    t.diagnostic(`refusing at rss ${shedding.process.memory_mb} MB, queue ${shedding.queue.size} items (${shedding.queue.memory_mb} MB)`);
    t.diagnostic(`accounting: ${JSON.stringify(shedding.accounting)}`);
    assert.ok(shedding.accounting.rejected_by_reason.memory > 0);
    assert.equal(shedding.process.memory_guard.shedding, true);
    assert.ok(shedding.process.memory_mb < LIMIT_MB, `rss ${shedding.process.memory_mb} MB stayed under ${LIMIT_MB}`);

    const job = await producer.post('/jobs', {});
    assert.equal(job.status, 503);
    assert.equal(job.body.reason, 'memory');
    assert.ok(Number(job.headers.get('retry-after')) >= 1, 'Retry-After is set');

    // Switched off at run time, items are accepted again (the guard is opt-in).
    assert.equal((await producer.post('/admin/config', { memory_guard: false })).status, 200);
    assert.equal((await producer.post('/produce', { count: 1 })).body.queued, 1);
    assertBalanced(await producer.get('/status'));
    assertNoProcessFault(producer, consumer);
  } finally {
    await consumer.post('/admin/resume'); // lets the held sends finish, so both stop at once
    await Promise.all([producer.stop(), consumer.stop()]);
  }
});
