// The broker cluster as the producer sees it through the management API (any node answers for
// all): each node's state (up, down, its memory or disk alarm) and lab.items' leader and members
// (a quorum queue; a classic queue has one node and no leader). Polled every second; the alarms
// also feed BrokerBlock (a node's alarm blocks publishing on every node).
import { Gauge, type Registry } from 'prom-client';
import { ITEMS_QUEUE } from '../../../common/src/broker-topology';
import type { ClusterNode, ClusterView } from '../status-model';
import type { Management } from './management';

export class ClusterWatch {
  view: ClusterView = { nodes: [], leader: null, members: [], online: [], read_at: null, error: null };

  constructor(
    private readonly management: Management,
    registry: Registry,
  ) {
    const registers = [registry];
    const watch = this;
    new Gauge({
      name: 'backpressure_broker_node_up',
      help: 'Each broker node: 1 while it runs, 0 while the cluster knows it is down (management API)',
      labelNames: ['node'],
      registers,
      collect() {
        this.reset();
        for (const node of watch.view.nodes) this.set({ node: node.name }, node.state === 'up' ? 1 : 0);
      },
    });
    new Gauge({
      name: 'backpressure_broker_node_alarm',
      help: "Each broker node's resource alarm: 1 while it is raised (it blocks every publisher of the cluster)",
      labelNames: ['node', 'alarm'],
      registers,
      collect() {
        this.reset();
        for (const node of watch.view.nodes) {
          this.set({ node: node.name, alarm: 'memory' }, node.memory_alarm ? 1 : 0);
          this.set({ node: node.name, alarm: 'disk' }, node.disk_alarm ? 1 : 0);
        }
      },
    });
    new Gauge({
      name: 'backpressure_broker_queue_leader',
      help: 'lab.items: 1 on the node that leads it (quorum) or holds it (classic)',
      labelNames: ['node'],
      registers,
      collect() {
        this.reset();
        for (const node of watch.view.nodes) this.set({ node: node.name }, node.name === watch.view.leader ? 1 : 0);
      },
    });
    new Gauge({
      name: 'backpressure_broker_queue_member_online',
      help: 'lab.items (quorum): each member, 1 while online, 0 while not',
      labelNames: ['node'],
      registers,
      collect() {
        this.reset();
        for (const member of watch.view.members) this.set({ node: member }, watch.view.online.includes(member) ? 1 : 0);
      },
    });
  }

  /** Reads the nodes and the queue; returns the nodes' alarms. Throws when no node answers. */
  async poll(): Promise<ClusterNode[]> {
    try {
      const nodes = await this.management.nodes();
      const queue = (await this.management.get(`/api/queues/%2F/${encodeURIComponent(ITEMS_QUEUE)}`).catch(() => undefined)) as
        | { leader?: string; node?: string; members?: string[]; online?: string[] }
        | undefined;
      this.view = {
        nodes: nodes.map((n) => ({
          name: n.name,
          state: n.running ? 'up' : 'down',
          memory_alarm: n.mem_alarm,
          disk_alarm: n.disk_free_alarm,
        })),
        leader: queue?.leader ?? queue?.node ?? null,
        members: queue?.members ?? (queue?.node ? [queue.node] : []),
        online: queue?.online ?? (queue?.node ? [queue.node] : []),
        read_at: new Date().toISOString(),
        error: null,
      };
      return this.view.nodes;
    } catch (err) {
      // No node answers: every node is down as far as we can tell (the last view, marked).
      this.view = { ...this.view, nodes: this.view.nodes.map((n) => ({ ...n, state: 'down' })), error: (err as Error).message };
      throw err;
    }
  }
}
