// `npm run rabbitmq-node -- <kill|hang|resume|restart> <N>`: acts on node N of the lab's running
// broker (`RABBITMQ_NODES=3 npm run rabbitmq`, found through the state file it writes; RABBITMQ_PORT
// when it runs on other ports) through the launcher's node control (scripts/rabbitmq-control.ts).
// `npm run rabbitmq-node -- list` shows every node. Prints the node's state as JSON.
import { NODE_ACTIONS } from './rabbitmq-control';
import { readLabState } from './rabbitmq-lab-state';

const amqpPort = Number(process.env.RABBITMQ_PORT ?? 5672);
const USAGE = `Usage: npm run rabbitmq-node -- <${NODE_ACTIONS.join('|')}> <N>   or   npm run rabbitmq-node -- list`;

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

async function main(): Promise<void> {
  const [action, node] = process.argv.slice(2);
  const state = readLabState(amqpPort);
  if (typeof state === 'string') fail(state);
  if (!state.control_port) fail('This npm run rabbitmq has no node control: start it again with this version');
  const base = `http://127.0.0.1:${state.control_port}`;
  if (action === 'list') {
    console.log(JSON.stringify(await (await fetch(`${base}/nodes`)).json(), null, 2));
    return;
  }
  if (!NODE_ACTIONS.includes(action as (typeof NODE_ACTIONS)[number]) || !/^\d+$/.test(node ?? '')) fail(USAGE);
  const res = await fetch(`${base}/nodes/${node}/${action}`, { method: 'POST' });
  const body = await res.text();
  if (!res.ok) fail(body.trim());
  console.log(body.trim());
}

main().catch((err) => fail(err instanceof Error ? err.message : String(err)));
