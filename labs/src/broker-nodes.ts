// The RabbitMQ cluster behind the lab, as the cluster exercises reach it: the nodes of the
// running `RABBITMQ_NODES=3 npm run rabbitmq` (found through its state file by a node name the
// producer's /status gives), its node control (kill, hang, resume, restart: scripts/rabbitmq-control.ts),
// rabbitmqctl against a node, and the management API to see who is connected where and to close a
// client's connection (it reconnects to the next node of its AMQP_URL list).

import { execFile } from 'node:child_process';
import { CONNECTION_NAME } from '../../common/src/broker-topology';
import type { NodeAction, NodeState } from '../../scripts/rabbitmq-control';
import { findLabStateByNode, type LabState } from '../../scripts/rabbitmq-lab-state';
import { RABBITMQCTL } from '../../scripts/rabbitmq-server';
import { type ProducerStatus, request, type Urls } from './services';

/** A node by its role now, or by its number (1-based, as `npm run rabbitmq` prints them). */
export type NodeTarget = 'leader' | 'producer-node' | 'consumer-node' | number;

/** The lab's clients by their AMQP connection_name (common/src/broker-topology.ts). */
export type Client = keyof typeof CONNECTION_NAME;

export interface Cluster {
  state: LabState;
  /** The node names, node 1 first. */
  names: string[];
}

/** The cluster the producer publishes to (it must list cluster nodes in its /status). */
export async function labCluster(urls: Urls): Promise<Cluster> {
  const { body } = await request<ProducerStatus>(`${urls.producer}/status`);
  const known = body.backend.cluster?.nodes[0]?.name;
  if (!known) throw new Error('the producer sees no broker cluster (QUEUE_BACKEND=rabbitmq, AMQP_URL listing the nodes)');
  const state = findLabStateByNode(known);
  if (typeof state === 'string') throw new Error(state);
  return { state, names: state.nodes.map((n) => n.name) };
}

/** The node name of a client's connection (host:port of its AMQP URL → lab<port>@localhost). */
const nameOfHost = (cluster: Cluster, host: string | null | undefined) =>
  cluster.state.nodes.find((n) => host?.endsWith(`:${n.amqp_port}`))?.name;

/** The node (1-based) a target means now. */
export async function resolveNode(urls: Urls, cluster: Cluster, target: NodeTarget): Promise<number> {
  if (typeof target === 'number') return target;
  let name: string | null | undefined;
  if (target === 'leader') name = (await queueInfo(cluster)).leader;
  else {
    const url = target === 'producer-node' ? urls.producer : urls.consumer;
    const { body } = await request(`${url}/status`);
    name = nameOfHost(cluster, target === 'producer-node' ? body.backend.connection?.node : body.broker?.node);
  }
  const index = cluster.names.indexOf(name ?? '');
  if (index < 0) throw new Error(`no ${target} found (${name ?? 'none'})`);
  return index + 1;
}

/** Kills, hangs, resumes or restarts node N through `npm run rabbitmq`'s node control. */
export async function nodeAction(cluster: Cluster, node: number, action: NodeAction): Promise<NodeState> {
  const res = await fetch(`http://127.0.0.1:${cluster.state.control_port}/nodes/${node}/${action}`, {
    method: 'POST',
    signal: AbortSignal.timeout(240_000),
  });
  const body = await res.json();
  if (!res.ok) throw new Error(`node ${node} ${action}: ${body.error ?? res.status}`);
  return body as NodeState;
}

export async function nodeStates(cluster: Cluster): Promise<NodeState[]> {
  return (await fetch(`http://127.0.0.1:${cluster.state.control_port}/nodes`, { signal: AbortSignal.timeout(5000) })).json();
}

/** The management API of the first node that answers (a hung or dead one is skipped). */
// biome-ignore lint/suspicious/noExplicitAny: the management API's JSON
export async function managementApi(cluster: Cluster, route: string, method = 'GET', body?: unknown): Promise<any> {
  for (const node of cluster.state.nodes) {
    const res = await fetch(`http://127.0.0.1:${node.management_port}${route}`, {
      method,
      headers: {
        authorization: `Basic ${Buffer.from('guest:guest').toString('base64')}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(3000),
    }).catch(() => undefined);
    if (!res) continue;
    const text = await res.text();
    if (!res.ok && res.status !== 404) throw new Error(`${method} ${route}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  }
  throw new Error('no node of the cluster answers its management API');
}

/** lab.items: its leader (a quorum queue's; a classic queue's node) and the members online. */
export async function queueInfo(cluster: Cluster): Promise<{ leader: string | null; online: string[] }> {
  const queue = await managementApi(cluster, '/api/queues/%2F/lab.items');
  return { leader: queue?.leader ?? queue?.node ?? null, online: queue?.online ?? [] };
}

/** Closes a client's connections on node N (it reconnects to the next node of its list); how many. */
export async function closeConnections(cluster: Cluster, client: Client, node: number): Promise<number> {
  const name = cluster.names[node - 1];
  const connections: { name: string; node: string; client_properties?: { connection_name?: string } }[] =
    (await managementApi(cluster, '/api/connections')) ?? [];
  const mine = connections.filter((c) => c.node === name && c.client_properties?.connection_name === CONNECTION_NAME[client]);
  for (const c of mine) await managementApi(cluster, `/api/connections/${encodeURIComponent(c.name)}`, 'DELETE');
  return mine.length;
}

/** rabbitmqctl against node N, as `npm run rabbitmqctl -- --node N <args>` runs it. */
export function rabbitmqctl(cluster: Cluster, node: number, args: string[]): Promise<string> {
  const spec = cluster.state.nodes[node - 1];
  if (!spec) return Promise.reject(new Error(`no node ${node}`));
  return new Promise((resolve, reject) =>
    execFile(
      RABBITMQCTL,
      ['-n', spec.name, ...args],
      { env: { ...process.env, ...cluster.state.env, ...spec.env }, timeout: 60_000 },
      (err, stdout, stderr) => (err ? reject(new Error(`rabbitmqctl ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout)),
    ),
  );
}
