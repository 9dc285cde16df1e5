// What `npm start` prints once every service answers: where each instance is, the queue, the
// autoscaler and the supervisor when there are any, and what to try first.
import { splitUrls } from '../../common/src/amqp-link';
import type { Supervisor } from '../supervisor';
import type { StartSettings } from './settings';

export interface BannerFacts {
  env: StartSettings;
  supervisor: Supervisor;
  /** Where the producers send (CONSUMER_URL, else consumer-1). */
  consumerUrl: string;
  /** Its own HTTP server's URL, when it runs one. */
  supervisorUrl: string;
  autoscaling: boolean;
}

export function banner({ env, supervisor, consumerUrl, supervisorUrl, autoscaling }: BannerFacts): string {
  const first = supervisor.of('producer')[0]?.url ?? `http://${env.HOST}:${env.PRODUCER_PORT}`;
  const lines = [...supervisor.of('producer'), ...supervisor.of('consumer')].map(
    (i) => `    ${i.name.padEnd(12)}${i.url}   (status: ${i.url}/status)`,
  );
  const defaults = first === 'http://127.0.0.1:8000' && consumerUrl === 'http://127.0.0.1:8001';
  const urlHint = defaults ? '' : `\n  (first: export PRODUCER_URL=${first} CONSUMER_URL=${consumerUrl})`;
  const backend =
    env.QUEUE_BACKEND === 'rabbitmq'
      ? `RabbitMQ, queue lab.items at ${redact(env.AMQP_URL)}${supervisor.of('producer').length + supervisor.of('consumer').length > 2 ? ' — one queue, one limit, for every instance' : ''}`
      : "in memory (the producer's heap; QUEUE_BACKEND=rabbitmq for a broker)";
  const scaler = autoscaling
    ? `  Autoscaling consumers: ceil(depth ÷ ${env.TARGET_ITEMS_PER_CONSUMER}) within ${env.MIN_CONSUMERS}…${env.MAX_CONSUMERS}, down after ${env.SCALE_COOLDOWN_S} s\n`
    : '';
  const ui = supervisor.of('ui')[0];
  const view = ui ? `    ${'live view'.padEnd(12)}${ui.url}   (open it in a browser)\n` : '';
  const status =
    `  Supervisor: ${supervisorUrl}/status (every instance, restarts${autoscaling ? ', the autoscaler' : ''})\n` +
    `    every consumer at once: curl -s -X POST ${supervisorUrl}/consumers/admin/slow-down -d '{"factor": 2}'\n`;
  return `
  Backpressure Lab is running
${lines.join('\n')}
${view}    queue       ${backend}
${scaler}${status}
  Try:  curl -s ${first}/status | jq '.queue'
  The workshop: labs/README.md — \`npm run watch\` for a live view, \`npm run lab -- list\` for the exercises${urlHint}
  Ctrl-C stops every service.
`;
}

/** The URLs (one, or a cluster's comma-separated) without their passwords, for the banner. */
function redact(urls: string): string {
  return splitUrls(urls)
    .map((url) => {
      const parsed = new URL(url);
      if (parsed.password) parsed.password = '***';
      return parsed.toString();
    })
    .join(',');
}
