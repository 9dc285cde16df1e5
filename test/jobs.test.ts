// The job API of seed 000: 202 + Location when admitted, 429 + Retry-After when not, and a
// refused job leaves no trace beyond the rejected counter.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertBalanced, sleep, startLab, waitFor } from './helpers/services';

test('a job goes queued → processing → done, with timings', async (t) => {
  const lab = await startLab({ PRODUCTION_RATE: '0' }, { PROCESSING_TIME_MS: '200' });
  t.after(() => lab.stop());
  const created = await lab.producer.post('/jobs', { data: { order: 42 } });
  assert.equal(created.status, 202);
  assert.equal(created.headers.get('location'), `/jobs/${created.body.id}`);
  const seen = new Set<string>();
  const job = await waitFor(
    async () => {
      const j = await lab.producer.get(`/jobs/${created.body.id}`);
      seen.add(j.state);
      return j.state === 'done' ? j : undefined;
    },
    5000,
    'job done',
  );
  assert.ok(seen.has('processing'), `states seen: ${[...seen]}`);
  assert.equal(job.attempts, 1);
  assert.ok(job.duration_ms >= 200, `duration ${job.duration_ms} ms`);
  for (const field of ['created_at', 'queued_at', 'started_at', 'finished_at']) assert.ok(Date.parse(job[field]) > 0, field);
});

test('a burst of jobs against a full queue gets only 202 and 429 (with Retry-After), and no orphan records', async (t) => {
  const lab = await startLab({ PRODUCTION_RATE: '0', QUEUE_MODE: 'bounded', MAX_QUEUE_SIZE: '20' }, { PROCESSING_TIME_MS: '50' });
  t.after(() => lab.stop());
  const accepted: string[] = [];
  const statuses = new Map<number, number>();
  let missingRetryAfter = 0;
  // 400 requests, 20 at a time.
  for (let round = 0; round < 20; round++) {
    const answers = await Promise.all(Array.from({ length: 20 }, () => lab.producer.post('/jobs', {})));
    for (const a of answers) {
      statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
      if (a.status === 202) accepted.push(a.body.id);
      if (a.status === 429) {
        assert.equal(a.body.error, 'Job queue is full');
        if (!(Number(a.headers.get('retry-after')) >= 1)) missingRetryAfter++;
      }
    }
  }
  assert.deepEqual([...statuses.keys()].sort(), [202, 429], `statuses: ${JSON.stringify([...statuses])}`);
  assert.equal(missingRetryAfter, 0);
  const s = await lab.producer.get('/status');
  assert.equal(s.accounting.rejected, statuses.get(429));
  assert.equal(s.accounting.produced, 400);
  const jobs = s.jobs.queued + s.jobs.processing + s.jobs.done + s.jobs.failed;
  assert.equal(jobs, accepted.length, 'one job record per accepted job, none for the refused ones');
  for (const id of accepted.slice(0, 20)) assert.notEqual((await lab.producer.get(`/jobs/${id}`)).state, undefined);
  assertBalanced(s);
});

test('a client that disconnects while waiting for admission gets no job', async (t) => {
  const lab = await startLab(
    { PRODUCTION_RATE: '0', QUEUE_MODE: 'block', MAX_QUEUE_SIZE: '5', SENDER_CONCURRENCY: '1' },
    { PAUSED: 'true' },
  );
  t.after(() => lab.stop());
  await lab.producer.post('/produce', { count: 6 }); // 5 queued + 1 held by the sender
  await waitFor(async () => (await lab.producer.get('/status')).queue.size === 5, 5000, 'a full queue');
  const controller = new AbortController();
  const request = fetch(`${lab.producer.url}/jobs`, { method: 'POST', body: '{}', signal: controller.signal }).catch((e) => e);
  await waitFor(async () => (await lab.producer.get('/status')).queue.admission_waiting === 1, 5000, 'the job to wait');
  controller.abort();
  await request;
  const s = await waitFor(
    async () => {
      const st = await lab.producer.get('/status');
      return st.queue.admission_waiting === 0 ? st : undefined;
    },
    5000,
    'the wait to end',
  );
  assert.equal(s.accounting.rejected_by_reason.cancelled, 1);
  assert.deepEqual(s.jobs, { queued: 0, processing: 0, done: 0, failed: 0 });
  // Room later does not resurrect it.
  await lab.consumer.post('/admin/resume');
  await sleep(300);
  assert.equal((await lab.producer.get('/status')).jobs.done, 0);
  assertBalanced(await lab.producer.get('/status'));
});
