// Titles of the panels of the Grafana dashboard "Backpressure Lab" (grafana/dashboards/) that the
// exercises point to, kept in one place; test/labs-docs.test.ts checks each against the dashboard.
export const PANELS = {
  mode: 'Current mode',
  breakerNow: 'Circuit breaker',
  totals: 'Totals',
  queueDepth: 'Queue Depth',
  memory: 'Memory Usage',
  throughput: 'Throughput',
  rejectedDropped: 'Rejected & Dropped',
  queueWait: 'Queue Wait p50 / p95 / p99',
  processingTime: 'Processing Time',
  rateLimitDelays: 'Rate Limit Delays',
  inFlight: 'In Flight',
  sendDuration: 'Send Duration',
  blockedTime: 'Blocked Time',
  adaptiveLimit: 'Adaptive Limit',
  modeOverTime: 'Mode Over Time',
  breaker: 'Circuit Breaker State',
  retries: 'Retries & Consumer Refusals',
  deadLetters: 'Dead Letters',
  jobs: 'Jobs',
  consumerCapacity: 'Consumer Capacity',
  waitingCallers: 'Waiting Callers',
  goodput: 'Goodput vs Throughput',
  // The collapsed row "Broker (QUEUE_BACKEND=rabbitmq)": the broker backend.
  brokerConnection: 'Broker Connection',
  brokerQueue: 'Broker Queue: Ready & Unacked',
  brokerNacks: 'Publish Nacks & Redeliveries',
  brokerLosses: 'Dropped Heads, Expired, Dead-Lettered',
  rabbitmqQueues: 'RabbitMQ: Messages in Queues',
  rabbitmqRates: 'RabbitMQ: Received & Acknowledged',
  // The collapsed row "Cluster (QUEUE_BACKEND=rabbitmq)": the nodes of a RabbitMQ cluster.
  clusterNodes: 'Cluster Nodes',
  queueLeader: 'Queue Leader',
  brokerAlarms: 'Memory & Disk Alarms',
  failovers: 'Failovers, Re-sends & Duplicates',
  membersOnline: 'Queue Members Online & Blocked Time',
  // The collapsed row "Downstream (DOWNSTREAM=postgres)": PostgreSQL behind the consumer.
  dbPool: 'Database Pool: Busy, Idle, Waiting',
  dbUtilization: 'Database Pool Utilization',
  dbTimes: 'Database Acquire & Query Time p95',
  dbWrites: 'Database Writes, INSERTs & Errors',
} as const;

export type PanelTitle = (typeof PANELS)[keyof typeof PANELS];
