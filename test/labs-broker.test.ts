// The workshop on the broker: exercises 23–26 (crashes, overflow, TTL) and seed 002's exercises
// 1, 2, 4 and 6, each run through `npm run lab`, time-compressed, against `QUEUE_BACKEND=rabbitmq
// npm start` (its supervisor restarts what an exercise kills) and a real RabbitMQ.
import { after, before, describe, test } from 'node:test';
import { assertExercisePasses } from './helpers/lab-runner';
import { type NpmStart, startNpmStart } from './helpers/npm-start';
import { brokerEnv, type RabbitMQ, startBroker } from './helpers/rabbitmq';

let rabbit: RabbitMQ;
before(async () => {
  rabbit = await startBroker();
});
after(() => rabbit?.stop());

describe('on the broker, under npm start', () => {
  let run: NpmStart | undefined;
  before(async () => {
    run = await startNpmStart(brokerEnv(rabbit));
  });
  after(() => run?.stop());
  for (const id of [
    '23-broker-producer-crash',
    '24-broker-consumer-crash',
    '25-broker-overflow',
    '26-broker-ttl',
    '01-baseline',
    '02-slow-consumer',
    '04-bounded',
    '06-reset',
  ]) {
    test(`exercise ${id} keeps its promises`, async (t) => {
      await assertExercisePasses(t, id, run!.urls);
    });
  }
});
