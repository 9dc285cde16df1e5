import { setTimeout as sleep } from 'node:timers/promises';
import { about, action, atMost, type Exercise, exactly, post, watch } from '../src/exercise';
import { PANELS } from '../src/panels';
import { request } from '../src/services';
import { highQueued, normalQueued } from './measures';

const JQ_LANES = '.backend.by_priority';

export default {
  id: '17-priorities',
  title: 'Strategy: priorities',
  goal:
    'Not all work is equal. The queue has two lanes and always serves "high" first. With 20% of the items marked ' +
    'high (2/s) and a consumer doing 4/s, high items never wait behind the backlog — while the normal lane grows. ' +
    'Then raise the share to 60%: high work alone exceeds the capacity and normal work starves.',
  steps: [
    post('consumer', '/admin/slow-down', { factor: 5 }, 'Slow the consumer down 5×: 4 items/s'),
    post('producer', '/admin/config', { high_priority_ratio: 0.2 }, 'Mark 20% of the generated items high priority'),
    watch(3, 'Let it settle'),
    watch(20, 'Watch both lanes', { window: 'mixed', jq: JQ_LANES }),
    action(
      'Submit a high and a normal job now, and wait for the high one',
      `curl -s -X POST http://localhost:8000/jobs -d '{"priority": "high"}'     # note its id
curl -s -X POST http://localhost:8000/jobs -d '{"priority": "normal"}'
curl -s http://localhost:8000/jobs/<id> | jq     # state, duration_ms`,
      async (ctx) => {
        const high = await request(`${ctx.urls.producer}/jobs`, 'POST', { priority: 'high' });
        const normal = await request(`${ctx.urls.producer}/jobs`, 'POST', { priority: 'normal' });
        const deadline = performance.now() + 10_000;
        let job = (await request(`${ctx.urls.producer}/jobs/${high.body.id}`)).body;
        while (job.state !== 'done' && performance.now() < deadline) {
          await sleep(20);
          job = (await request(`${ctx.urls.producer}/jobs/${high.body.id}`)).body;
        }
        const other = (await request(`${ctx.urls.producer}/jobs/${normal.body.id}`)).body;
        ctx.say(`high job: ${job.state} after ${job.duration_ms} ms; normal job meanwhile: ${other.state}`);
        ctx.record('high job seconds', job.state === 'done' ? job.duration_ms / 1000 : NaN);
        ctx.record('normal job still queued', other.state === 'queued' ? 1 : 0);
      },
    ),
    post('producer', '/admin/config', { high_priority_ratio: 0.6 }, 'Now mark 60% of the items high priority: 6 high items/s'),
    watch(3, 'Let it settle'),
    watch(20, 'Watch both lanes again', { window: 'flooded', jq: JQ_LANES }),
  ],
  watch: {
    panels: [PANELS.queueDepth, PANELS.jobs, PANELS.queueWait],
    terminal: 'the queue bar holds both lanes; /status shows them in backend.by_priority.',
  },
  checks: [
    atMost('high-priority items waiting, on average (20% high)', 2, 'items', (r) => r.window('mixed').mean(highQueued), {
      why: '2 high items/s and a consumer taking 4/s, high first: they hardly wait',
    }),
    about('normal lane growth (20% high)', 6, 'items/s', (r) => r.window('mixed').rate(normalQueued), {
      why: '8 normal items/s in, the 2/s of capacity left over out',
    }),
    atMost('a high job: submitted to done', 2, 's', (r) => r.value('high job seconds'), {
      why: 'it waits only for the few high items ahead of it, then 0.5 s of processing',
    }),
    exactly('the normal job submitted with it is still queued (1 = yes)', 1, '', (r) => r.value('normal job still queued'), {
      why: 'it waits behind the whole normal backlog',
    }),
    about('high lane growth (60% high)', 2, 'items/s', (r) => r.window('flooded').rate(highQueued), {
      within: 1,
      why: '6 high items/s against 4/s of capacity: even high items queue up now',
    }),
    about('normal lane growth (60% high)', 4, 'items/s', (r) => r.window('flooded').rate(normalQueued), {
      tolerance: 0.25,
      why: 'all 4 normal items/s stay: none is processed, normal work starves',
    }),
  ],
  question: 'Priorities let urgent work skip the queue. What do they not do, and what is the risk?',
  answer:
    'They do not add capacity: they only choose who waits. As long as high-priority work stays well below the ' +
    'capacity it is fast and the rest absorbs the backlog; once high work alone reaches the capacity, normal work ' +
    'starves completely (at 60% nothing normal was processed). Real systems cap the high lane (or reserve a share of ' +
    'the capacity for normal work), and a bounded queue with drop_oldest evicts normal items first. And everyone ' +
    'will want to mark their work "high".',
} satisfies Exercise;
