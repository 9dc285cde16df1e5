import { about, atLeast, atMost, type Exercise, post, until, watch } from '../src/exercise';
import { PANELS } from '../src/panels';
import { DB_JQ, dbBusySeconds, meanWriteMs, NEEDS_DATABASE, processed } from './measures';

export default {
  id: '38-pool-sizing',
  title: "Sizing the pool by Little's law",
  downstream: 'postgres',
  goal:
    'How many connections does 40 items/s need when each write takes 100 ms? Little’s law: connections in use = ' +
    'arrival rate × time each is held = 40 × 0.1 s = 4. With 2 the database does 20 items/s and the rest queues; ' +
    'with 8 it keeps up, and on average 4 of the 8 are busy — as the law says.',
  intro: NEEDS_DATABASE,
  steps: [
    post(
      'consumer',
      '/admin/config',
      { processing_time_ms: 0, max_concurrency: 16, db_pool_size: 2, db_query_ms: 100 },
      'Writes of 100 ms through a pool of 2',
    ),
    post('producer', '/admin/config', { production_rate: 40, sender_concurrency: 16 }, 'Make 40 items/s'),
    watch(2, 'Let it settle'),
    watch(5, 'Too small a pool', { window: 'small', jq: DB_JQ }),
    post('consumer', '/admin/config', { db_pool_size: 8 }, 'Give it 8 connections (the old pool drains, nothing is lost)'),
    until('Wait for the backlog to drain', (s) => (s.producer?.queue.size ?? Infinity) <= 20, 60),
    watch(2, 'Let it settle'),
    watch(6, 'A pool that keeps up', { window: 'sized', jq: DB_JQ }),
  ],
  watch: {
    panels: [PANELS.dbPool, PANELS.dbUtilization, PANELS.throughput],
    terminal: 'processed climbs from 20/s to 40/s when the pool grows; the queue drains.',
  },
  checks: [
    atMost('items processed with 2 connections', 20.5, 'items/s', (r) => r.window('small').rate(processed), {
      why: 'the ceiling of 2 connections: 2 × 1000 / 100 ms',
    }),
    about('items processed with 8 connections', 40, 'items/s', (r) => r.window('sized').rate(processed), {
      tolerance: 0.15,
      why: 'all that is produced',
    }),
    atLeast('time a write holds its connection', 100, 'ms', (r) => meanWriteMs(r.window('sized')), {
      why: 'db_query_ms, plus the INSERT',
    }),
    about(
      "connections busy ÷ (items/s × each write's time)",
      1,
      '',
      (r) => {
        const w = r.window('sized');
        return w.rate(dbBusySeconds) / (w.rate(processed) * (meanWriteMs(w) / 1000));
      },
      { tolerance: 0.2, why: "Little's law, L = λ × W: 40 items/s × 0.1 s = 4 of the 8" },
    ),
    about('connections busy on average', 4, 'items', (r) => r.window('sized').rate(dbBusySeconds), {
      tolerance: 0.35,
      why: 'λ × W = 40 items/s × 0.1 s (more if each write takes longer than its 100 ms)',
    }),
  ],
  question: 'PostgreSQL allows 100 connections by default. Why not give every consumer a pool of 100?',
  answer:
    'Connections are not free on the database: each is a process with its own memory, and beyond a few per CPU ' +
    'core they only contend for the same cores, locks and disk — throughput stops rising and latency grows. Ten ' +
    'consumers with 100 each would also need 1,000 connections. Size the pool for the throughput you need ' +
    '(λ × W, plus headroom for bursts), and let a bounded waiting line and refusals handle the rest.',
  docker: 'In the Docker stack: the same, with `--profile downstream`.',
} satisfies Exercise;
