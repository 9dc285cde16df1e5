// `npm run rabbitmq`: Debian's RabbitMQ (apt-get install rabbitmq-server) for the lab's broker
// backend (QUEUE_BACKEND=rabbitmq npm start). Plain processes in a temporary directory, on
// 127.0.0.1:5672 (AMQP, RABBITMQ_PORT) and 127.0.0.1:15672 (management UI and API,
// RABBITMQ_MANAGEMENT_PORT; user guest, password guest). RABBITMQ_NODES=3 starts a cluster of
// three on the ports after those (5672–5674, 15672–15674). Ctrl-C stops every node, their epmd,
// and removes the directory: the broker keeps nothing from one run to the next.
// `npm run rabbitmqctl -- [--node N] <args>` reaches these nodes (scripts/rabbitmqctl.ts), and
// `npm run rabbitmq-node -- kill|hang|resume|restart N` acts on one (scripts/rabbitmq-control.ts).
import { serveNodeControl } from './rabbitmq-control';
import { removeLabState, writeLabState } from './rabbitmq-lab-state';
import { INSTALL_HINT, rabbitmqInstalled, startRabbitMQCluster } from './rabbitmq-server';

const amqpPort = Number(process.env.RABBITMQ_PORT ?? 5672);
const managementPort = Number(process.env.RABBITMQ_MANAGEMENT_PORT ?? 15672);
const nodeCount = Number(process.env.RABBITMQ_NODES ?? 1);

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

async function main(): Promise<void> {
  if (!rabbitmqInstalled()) fail(INSTALL_HINT);
  for (const [name, port] of [
    ['RABBITMQ_PORT', amqpPort],
    ['RABBITMQ_MANAGEMENT_PORT', managementPort],
  ] as const) {
    if (!Number.isInteger(port) || port < 1 || port > 65_535 - 8)
      fail(`Invalid environment variable ${name}=${JSON.stringify(process.env[name])}: expected a port number`);
  }
  if (!Number.isInteger(nodeCount) || nodeCount < 1 || nodeCount > 7)
    fail(`Invalid environment variable RABBITMQ_NODES=${JSON.stringify(process.env.RABBITMQ_NODES)}: expected a whole number from 1 to 7`);
  const many = nodeCount > 1;
  const range = (port: number) => (many ? `${port}–${port + nodeCount - 1}` : String(port));
  console.log(
    `Starting ${many ? `a cluster of ${nodeCount} RabbitMQ nodes` : 'RabbitMQ'} on 127.0.0.1:${range(amqpPort)} (AMQP) and ` +
      `127.0.0.1:${range(managementPort)} (management); about ${many ? 30 : 10} s ...`,
  );
  const cluster = await startRabbitMQCluster({ amqpPort, managementPort, nodes: nodeCount, stdio: 'pipe' });
  const control = await serveNodeControl(cluster);
  writeLabState(amqpPort, {
    pid: process.pid,
    control_port: control.port,
    env: cluster.sharedEnv,
    nodes: cluster.nodes.map((node) => ({
      name: node.nodeName,
      amqp_port: node.spec.amqpPort,
      management_port: node.spec.managementPort,
      env: { RABBITMQ_CONF_ENV_FILE: String(node.env.RABBITMQ_CONF_ENV_FILE) },
    })),
  });
  const defaults = amqpPort === 5672 && managementPort === 15672 && !many;
  const hint = defaults ? '' : `\n  (first: export AMQP_URL=${cluster.amqpUrl} RABBITMQ_MANAGEMENT_URL=${cluster.managementUrl})`;
  const quorum = many ? ' QUEUE_TYPE=quorum' : '';
  console.log(`
  RabbitMQ is ready${many ? `: ${nodeCount} nodes, clustered` : ''}
${cluster.nodes.map((node, i) => `    node ${i + 1}  ${node.nodeName}  AMQP ${node.amqpUrl}  management http://127.0.0.1:${node.spec.managementPort}`).join('\n')}
    (user guest, password guest)

  Now:  QUEUE_BACKEND=rabbitmq${quorum} npm start${hint}
  rabbitmqctl:  npm run rabbitmqctl -- ${many ? '--node 2 ' : ''}cluster_status${many ? '\n  a node:       npm run rabbitmq-node -- kill 2   (hang, resume, restart: the cluster exercises, labs/42-…)' : ''}
  Ctrl-C stops it.
`);
  let stopping = false;
  const stop = (code: number) => {
    stopping = true;
    removeLabState(amqpPort);
    void control.close();
    cluster.stop().then(() => process.exit(code));
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      console.log('Stopping RabbitMQ ...');
      stop(0);
    });
  }
  // A node that ends by itself is reported (and stays down: a cluster lives on without it).
  for (const [i, node] of cluster.nodes.entries()) {
    void node.exited.then(() => {
      if (stopping) return;
      console.error(`Node ${i + 1} (${node.nodeName}) exited:\n${node.output.join('').slice(-2000)}`);
      if (cluster.nodes.every((n) => !n.running)) {
        console.error('Every node is down.');
        stop(1);
      }
    });
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
