// `npm run rabbitmqctl -- [--node N] <args>`: Debian's rabbitmqctl against node N (1 by default)
// of the lab's running broker (`npm run rabbitmq`, found through the state file it writes, see
// rabbitmq-lab-state.ts; RABBITMQ_PORT when it runs on another port). It needs the same HOME (the
// Erlang cookie) and epmd port as the nodes. /usr/lib/rabbitmq/bin/rabbitmqctl is called directly:
// Debian's wrapper in /usr/sbin switches to the rabbitmq user, who cannot read our cookie.
import { spawn } from 'node:child_process';
import { readLabState } from './rabbitmq-lab-state';
import { RABBITMQCTL } from './rabbitmq-server';

const amqpPort = Number(process.env.RABBITMQ_PORT ?? 5672);
const USAGE = 'Usage: npm run rabbitmqctl -- [--node N] <rabbitmqctl arguments>   (e.g. --node 2 cluster_status)';

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

const args = process.argv.slice(2);
let nodeNumber = 1;
if (args[0] === '--node') {
  nodeNumber = Number(args[1]);
  args.splice(0, 2);
}
if (!Number.isInteger(nodeNumber) || nodeNumber < 1) fail(`--node: expected a node number from 1. ${USAGE}`);
if (args.length === 0) fail(USAGE);
const state = readLabState(amqpPort);
if (typeof state === 'string') fail(state);
const node = state.nodes[nodeNumber - 1];
if (!node) fail(`--node ${nodeNumber}: the lab has ${state.nodes.length} node(s)`);
const child = spawn(RABBITMQCTL, ['-n', node.name, ...args], {
  env: { ...process.env, ...state.env, ...node.env },
  stdio: 'inherit',
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
