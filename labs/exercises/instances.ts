// Steps for the exercises that run on several instances (`PRODUCERS=N CONSUMERS=M
// QUEUE_BACKEND=rabbitmq npm start`): the runner knows the first producer and consumer; instance n
// is two ports up per step (instanceUrl). Each step is still one request a learner could type.
import { type ActionStep, action, type Exercise } from '../src/exercise';
import {
  type ConsumerStatus,
  curlFor,
  instanceUrl,
  type ProducerStatus,
  request,
  requestWhenUp,
  type ServiceName,
  type Urls,
} from '../src/services';
import { scaleSettings } from '../src/time-scale';

/** The intro of such an exercise: how to start the lab it needs. */
export const startIntro = (what: string, start: string, where: string) =>
  `Start the lab on the broker with ${what}: \`npm run rabbitmq\` in one terminal, \`${start}\` in another (${where}).`;

/** The port of instance n as the learner's commands show it (8000/8001 for the first pair). */
const shownUrl = (service: ServiceName, n: number) =>
  instanceUrl(service === 'producer' ? 'http://localhost:8000' : 'http://localhost:8001', n);

/** Whether instance n of `service` answers, on the broker. */
async function instanceRuns(urls: Urls, service: ServiceName, n: number): Promise<boolean> {
  const url = `${instanceUrl(urls[service], n)}/status`;
  if (service === 'producer') {
    const answer = await request<ProducerStatus>(url).catch(() => undefined);
    return answer?.status === 200 && answer.body.backend.kind === 'rabbitmq';
  }
  const answer = await request<ConsumerStatus>(url).catch(() => undefined);
  return answer?.status === 200 && answer.body.broker?.backend === 'rabbitmq';
}

/** An exercise's `needs`: instance n of `service`, as `start` runs it. */
export const needsInstance = (service: ServiceName, n: number, start: string): Exercise['needs'] => ({
  start: `\`${start}\``,
  running: (urls) => instanceRuns(urls, service, n),
  uses: { [service]: n },
});

/** Fails the exercise at once, saying how to start the lab, unless instance n of `service` answers on the broker. */
export const requireInstance = (service: ServiceName, n: number, start: string): ActionStep =>
  action(`Check that ${service}-${n} runs, on the broker`, `curl -s ${shownUrl(service, n)}/status | jq '.instance'`, async (ctx) => {
    const url = instanceUrl(ctx.urls[service], n);
    if (!(await instanceRuns(ctx.urls, service, n)))
      throw new Error(`this exercise needs ${service}-${n} on the broker (${url}): ${start}`);
    ctx.say(`${service}-${n} answers at ${url}`);
  });

/** POST to instance n (settings in the body are time-scaled, as in a post step). */
export const postTo = (service: ServiceName, n: number, path: string, body: Record<string, unknown> | undefined, say: string): ActionStep =>
  action(say, curlFor(`${shownUrl(service, n)}${path}`, 'POST', body), async (ctx) => {
    const answer = await request(`${instanceUrl(ctx.urls[service], n)}${path}`, 'POST', body && scaleSettings(body, ctx.scale));
    if (answer.status >= 400) throw new Error(`${service}-${n} answered ${answer.status} to POST ${path}: ${JSON.stringify(answer.body)}`);
  });

/** Records a number from instance n's /status under `name`. */
// biome-ignore lint/suspicious/noExplicitAny: the /status JSON, read by the field the exercise names
export const recordFrom = (service: ServiceName, n: number, jq: string, name: string, read: (status: any) => number): ActionStep =>
  action(`${service}-${n}: ${name}`, `curl -s ${shownUrl(service, n)}/status | jq '${jq}'`, async (ctx) => {
    ctx.record(name, read((await requestWhenUp(`${instanceUrl(ctx.urls[service], n)}/status`)).body));
  });

/** Records every consumer's processed total (1 … count) as `${name} ${n}`, in one look. */
export const recordProcessed = (count: number, name: string): ActionStep =>
  action(
    `Processed so far, by each consumer (${name})`,
    `for p in ${Array.from({ length: count }, (_, i) => 8001 + 2 * i).join(' ')}; do curl -s localhost:$p/status | jq '.totals.processed'; done`,
    async (ctx) => {
      const totals = await Promise.all(
        Array.from(
          { length: count },
          async (_, i) => (await requestWhenUp(`${instanceUrl(ctx.urls.consumer, i + 1)}/status`)).body.totals.processed as number,
        ),
      );
      for (const [i, total] of totals.entries()) ctx.record(`${name} ${i + 1}`, total);
    },
  );
