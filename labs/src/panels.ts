// Titles of the panels of the Grafana dashboard "Backpressure Lab" that the exercises point to,
// kept in one place. test/labs-docs.test.ts checks each against the provisioned dashboard
// (grafana/**/*.json) whenever that file is present.
export const PANELS = {
  queueDepth: 'Queue Depth',
  memory: 'Memory Usage',
  throughput: 'Throughput',
  rejectedDropped: 'Rejected & Dropped',
  queueWait: 'Queue Wait p50/p95/p99',
  processingTime: 'Processing Time',
  rateLimitDelays: 'Rate Limit Delays',
  inFlight: 'In Flight',
  totals: 'Totals',
  blockedTime: 'Blocked Time',
  adaptiveLimit: 'Adaptive Limit',
  breaker: 'Circuit Breaker',
  retries: 'Retries',
  deadLetters: 'Dead Letters',
  jobs: 'Jobs',
  mode: 'Queue Mode',
} as const;

export type PanelTitle = (typeof PANELS)[keyof typeof PANELS];
