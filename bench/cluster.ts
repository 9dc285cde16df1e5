// `npm run bench:cluster`: the lab on a three-node RabbitMQ cluster with a quorum queue against
// one node with a classic queue (issue 22), in one run. It starts its own brokers
// (scripts/rabbitmq-server.ts, as `npm run rabbitmq` does) and services on free 127.0.0.1 ports:
//   - items/s end to end: BENCH_CLUSTER_ITEMS items published through POST /produce (64 requests
//     at once) and processed (processing_time_ms 0, max_concurrency 100), from the first publish
//     to the last item processed;
//   - CPU per item meanwhile: the producer, the consumer and every broker VM (/proc/<pid>/stat),
//     over the items;
//   - the publish stall on a leader kill (cluster only): 300 items/s with confirms, the queue's
//     leader SIGKILLed, the longest time the producer's confirmed count did not move, and how many
//     confirmed items were lost (published − processed once drained).
// Prints a table and writes bench/results/cluster.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type RabbitMQCluster, startRabbitMQCluster } from '../scripts/rabbitmq-server';
import { clusterEnv, drained, leaderIndex, watchConfirms } from '../test/helpers/rabbitmq-cluster';
import { killAll, type Service, startService, waitFor } from '../test/helpers/services';
import { cpuWhile } from './cpu';

const ITEMS = Number(process.env.BENCH_CLUSTER_ITEMS ?? 20_000);
const PARALLEL_PRODUCE = 64;
const RESULT = path.resolve(__dirname, '../../bench/results/cluster.json');

interface Setup {
  name: string;
  cluster: RabbitMQCluster;
  env: Record<string, string>;
}

async function startPair(env: Record<string, string>, producerEnv: Record<string, string>) {
  const consumer = await startService('consumer', { ...env, PROCESSING_TIME_MS: '0', MAX_CONCURRENCY: '100' });
  const producer = await startService('producer', { ...env, PRODUCTION_RATE: '0', ...producerEnv });
  for (const service of [consumer, producer])
    await waitFor(async () => (await fetch(`${service.url}/health/ready`)).ok, 60_000, `${service.url} ready`);
  return { producer, consumer };
}

const stopAll = (...services: Service[]) => Promise.all(services.map((s) => s.stop()));

async function throughput(setup: Setup) {
  const { producer, consumer } = await startPair(setup.env, { QUEUE_MODE: 'unbounded' });
  const pids = [producer.child.pid!, consumer.child.pid!, ...setup.cluster.nodes.map((node) => node.vmPid()!)];
  const chunk = Math.ceil(ITEMS / PARALLEL_PRODUCE);
  const total = chunk * PARALLEL_PRODUCE;
  const { seconds, cpu } = await cpuWhile(pids, async () => {
    await Promise.all(Array.from({ length: PARALLEL_PRODUCE }, () => producer.post('/produce', { count: chunk })));
    await waitFor(async () => (await consumer.get('/status')).totals.processed >= total, 600_000, `${total} processed`);
  });
  const cpuMs = (from: number, to = from + 1) => (cpu.slice(from, to).reduce((a, b) => a + b, 0) * 1000) / total;
  await stopAll(producer, consumer);
  return {
    items: total,
    items_per_s: Math.round(total / seconds),
    cpu_ms_per_item: {
      producer: round(cpuMs(0)),
      consumer: round(cpuMs(1)),
      broker: round(cpuMs(2, pids.length)),
      total: round(cpuMs(0, pids.length)),
    },
  };
}

async function leaderKill(setup: Setup) {
  const leader = await leaderIndex(setup.cluster);
  const order = [0, 1, 2].map((i) => (leader + 1 + i) % 3); // connected elsewhere: only the leader dies
  const env = clusterEnv(setup.cluster, order);
  const { producer, consumer } = await startPair(env, { PRODUCTION_RATE: '300', QUEUE_MODE: 'unbounded' });
  const confirms = watchConfirms(producer);
  await waitFor(async () => (await producer.get('/status')).accounting.published > 600, 30_000, 'publishing under way');
  const killedAt = performance.now();
  await setup.cluster.nodes[leader]!.kill();
  const before = (await producer.get('/status')).accounting.published;
  await waitFor(async () => (await producer.get('/status')).accounting.published > before + 600, 60_000, 'publishing again');
  await confirms.stop();
  const counts = await drained(producer, consumer, 120_000);
  await stopAll(producer, consumer);
  return {
    stall_ms: Math.round(confirms.stallAfter(killedAt)),
    published: counts.published,
    confirmed_lost: counts.published - counts.processed,
  };
}

const round = (n: number) => Math.round(n * 1000) / 1000;

async function main(): Promise<void> {
  const started = performance.now();
  const load = os.loadavg()[0]!;
  process.stderr.write('bench:cluster: one node, classic queue ...\n');
  const single = await startRabbitMQCluster({ nodes: 1, amqpPort: 0, managementPort: 0 });
  const classic = await throughput({
    name: 'classic',
    cluster: single,
    env: { QUEUE_BACKEND: 'rabbitmq', QUEUE_TYPE: 'classic', AMQP_URL: single.amqpUrl, RABBITMQ_MANAGEMENT_URL: single.managementUrl },
  }).finally(() => single.stop());
  process.stderr.write('bench:cluster: three nodes, quorum queue ...\n');
  const three = await startRabbitMQCluster({ nodes: 3, amqpPort: 0, managementPort: 0 });
  const setup = { name: 'quorum', cluster: three, env: clusterEnv(three) };
  const quorum = await throughput(setup).catch(async (err) => {
    await three.stop();
    throw err;
  });
  process.stderr.write('bench:cluster: the leader killed at 300 items/s ...\n');
  const kill = await leaderKill(setup).finally(() => three.stop());
  const result = {
    generated_at: new Date().toISOString(),
    machine: { nproc: os.cpus().length, load_average_1m_at_start: load, node: process.version },
    items: ITEMS,
    classic_one_node: classic,
    quorum_three_nodes: quorum,
    leader_kill: kill,
    duration_seconds: Math.round((performance.now() - started) / 1000),
  };
  mkdirSync(path.dirname(RESULT), { recursive: true });
  writeFileSync(RESULT, `${JSON.stringify(result, null, 2)}\n`);
  const row = (name: string, r: typeof classic) =>
    `| ${name} | ${r.items_per_s.toLocaleString('en')} | ${r.cpu_ms_per_item.total} (producer ${r.cpu_ms_per_item.producer}, consumer ${r.cpu_ms_per_item.consumer}, broker ${r.cpu_ms_per_item.broker}) |`;
  console.log(`
| setup | items/s | CPU ms per item |
| --- | --- | --- |
${row('classic queue, one node', classic)}
${row('quorum queue, three nodes', quorum)}

Leader killed at 300 items/s: publishing stalled ${kill.stall_ms} ms; ${kill.confirmed_lost} of ${kill.published} confirmed items lost.
${os.cpus().length} CPUs, load average ${load.toFixed(2)} at start; ${result.duration_seconds} s. Written to ${path.relative(process.cwd(), RESULT)}`);
}

main().catch((err) => {
  console.error(err);
  killAll();
  process.exit(1);
});
