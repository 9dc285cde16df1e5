// Where a running `npm run rabbitmq` says what it started, so that `npm run rabbitmqctl` can
// reach its nodes: a small JSON file under the system's temporary directory, named by the first
// node's AMQP port (RABBITMQ_PORT, 5672 by default), so labs on other ports do not collide.
// Written once the nodes are ready, removed when they stop.
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface LabState {
  /** The `npm run rabbitmq` process: a file whose process is gone is stale. */
  pid: number;
  /** Its node control (scripts/rabbitmq-control.ts): 127.0.0.1:control_port. */
  control_port?: number;
  /** HOME (the Erlang cookie) and ERL_EPMD_PORT of the nodes. */
  env: { HOME: string; ERL_EPMD_PORT: string };
  /** Node 1 first; `env` is what rabbitmqctl needs besides (the node's empty rabbitmq-env.conf). */
  nodes: { name: string; amqp_port: number; management_port: number; env: Record<string, string> }[];
}

export const labStatePath = (amqpPort: number) => path.join(os.tmpdir(), `backpressure-lab-rabbitmq-${amqpPort}.json`);

export function writeLabState(amqpPort: number, state: LabState): void {
  writeFileSync(labStatePath(amqpPort), `${JSON.stringify(state, null, 2)}\n`);
}

export function removeLabState(amqpPort: number): void {
  rmSync(labStatePath(amqpPort), { force: true });
}

/** The running lab's state, or a sentence saying why there is none. */
export function readLabState(amqpPort: number): LabState | string {
  const file = labStatePath(amqpPort);
  let state: LabState;
  try {
    state = JSON.parse(readFileSync(file, 'utf8')) as LabState;
  } catch {
    return `No lab broker on port ${amqpPort} (${file} is missing): start one with npm run rabbitmq (RABBITMQ_NODES=3 for a cluster)`;
  }
  try {
    process.kill(state.pid, 0);
  } catch {
    return `The lab broker that wrote ${file} (PID ${state.pid}) is gone: start one with npm run rabbitmq`;
  }
  return state;
}

/** The running lab that has a node of this name (lab<port>@localhost), whatever its first port; or why none. */
export function findLabStateByNode(nodeName: string): LabState | string {
  const files = readdirSync(os.tmpdir()).filter((f) => /^backpressure-lab-rabbitmq-\d+\.json$/.test(f));
  for (const file of files) {
    const state = readLabState(Number(/\d+/.exec(file)?.[0]));
    if (typeof state !== 'string' && state.nodes.some((node) => node.name === nodeName)) return state;
  }
  return `No running npm run rabbitmq has the node ${nodeName} (its state file is under ${os.tmpdir()}): start the cluster with RABBITMQ_NODES=3 npm run rabbitmq`;
}
