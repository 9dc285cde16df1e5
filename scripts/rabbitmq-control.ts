// The control of a running `npm run rabbitmq`'s nodes, for the cluster exercises: a small HTTP
// server on 127.0.0.1 (a free port, written in the lab's state file) through which
// `npm run rabbitmq-node -- <action> <N>` and `npm run lab` kill, hang, resume or restart node N.
// The launcher started the nodes, so it is the one that signals them (by the VM's PID) and starts
// them again with the same files: a restarted node rejoins its cluster.
//
//   GET  /nodes              every node: number, name, ports, running, hung, vm_pid
//   POST /nodes/N/kill       SIGKILL of the VM: a crash
//   POST /nodes/N/hang       SIGSTOP: the node stops answering, its sockets stay open
//   POST /nodes/N/resume     SIGCONT
//   POST /nodes/N/restart    starts it again if it is down (kills it first if it runs) and answers
//                            once it is back in the cluster
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RabbitMQCluster, RabbitMQNode } from './rabbitmq-server';

export const NODE_ACTIONS = ['kill', 'hang', 'resume', 'restart'] as const;
export type NodeAction = (typeof NODE_ACTIONS)[number];

export interface NodeState {
  node: number;
  name: string;
  amqp_port: number;
  management_port: number;
  running: boolean;
  hung: boolean;
  vm_pid: number | null;
}

export interface NodeControl {
  port: number;
  close(): Promise<void>;
}

export async function serveNodeControl(cluster: RabbitMQCluster): Promise<NodeControl> {
  const hung = new Set<number>();
  const stateOf = (node: RabbitMQNode, i: number): NodeState => {
    return {
      node: i + 1,
      name: node.nodeName,
      amqp_port: node.spec.amqpPort,
      management_port: node.spec.managementPort,
      running: node.running,
      hung: node.running && hung.has(i),
      vm_pid: node.running ? (node.vmPid() ?? null) : null,
    };
  };
  const act = async (node: RabbitMQNode, i: number, action: NodeAction): Promise<void> => {
    if (action === 'hang') {
      node.pause();
      hung.add(i);
      return;
    }
    hung.delete(i);
    if (action === 'resume') node.resume();
    if (action === 'kill') await node.kill();
    if (action === 'restart') {
      if (node.running) await node.kill();
      node.start();
      await cluster.waitReady(i, cluster.nodes.length);
    }
  };
  const server = http.createServer((req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(`${JSON.stringify(body)}\n`);
    };
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method === 'GET' && url.pathname === '/nodes')
      return reply(
        200,
        cluster.nodes.map((node, i) => stateOf(node, i)),
      );
    const match = /^\/nodes\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    if (req.method !== 'POST' || !match) return reply(404, { error: 'GET /nodes or POST /nodes/N/{kill,hang,resume,restart}' });
    const index = Number(match[1]) - 1;
    const action = match[2] as NodeAction;
    const node = cluster.nodes[index];
    if (!node) return reply(400, { error: `node: expected a number from 1 to ${cluster.nodes.length}`, field: 'node' });
    if (!NODE_ACTIONS.includes(action)) return reply(400, { error: `action: expected one of ${NODE_ACTIONS.join(', ')}`, field: 'action' });
    act(node, index, action).then(
      () => reply(200, stateOf(node, index)),
      (err: Error) => reply(500, { error: err.message, ...stateOf(node, index) }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
