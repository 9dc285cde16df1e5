// The downstream exercises (33–38 and 47), each run through `npm run lab`, time-compressed, against a real
// PostgreSQL: on the broker under `npm start` (its supervisor restarts the consumer exercise 37
// kills; exercise 36 stops and starts the database itself), and 34 on the in-memory queue.
import { after, before, describe, test } from 'node:test';
import { assertExercisePasses } from './helpers/lab-runner';
import { type NpmStart, startNpmStart } from './helpers/npm-start';
import { databaseEnv, type Postgres, startDatabase } from './helpers/postgres';
import { brokerEnv, type RabbitMQ, startBroker } from './helpers/rabbitmq';
import { type Lab, startLab, waitFor } from './helpers/services';

let db: Postgres;
before(async () => {
  db = await startDatabase();
});
after(() => db?.stop());

describe('on the broker, under npm start, writing to PostgreSQL', () => {
  let rabbit: RabbitMQ;
  let run: NpmStart | undefined;
  before(async () => {
    rabbit = await startBroker();
    run = await startNpmStart({ ...brokerEnv(rabbit), ...databaseEnv(db) });
  });
  after(async () => {
    await run?.stop();
    await rabbit?.stop();
  });
  for (const id of [
    '33-slow-database',
    '35-query-timeouts',
    '36-database-restart',
    '37-consumer-killed-mid-write',
    '38-pool-sizing',
    '47-db-batching',
  ]) {
    test(`exercise ${id} keeps its promises`, async (t) => {
      await assertExercisePasses(t, id, run!.urls);
    });
  }
});

describe('on the in-memory queue, writing to PostgreSQL', () => {
  let lab: Lab;
  before(async () => {
    lab = await startLab({}, databaseEnv(db));
    // The consumer answers 503 until it has reached the database (and the producer's breaker may
    // open on those): the exercises start once it is ready and the breaker closed again.
    await waitFor(async () => (await fetch(`${lab.consumer.url}/health/ready`)).ok, 30_000, 'the consumer to reach PostgreSQL');
    await waitFor(async () => (await lab.producer.get('/status')).backend.breaker?.state === 'closed', 30_000, 'the breaker closed');
  });
  after(() => lab?.stop());
  for (const id of ['34-waiting-line', '33-slow-database', '38-pool-sizing', '47-db-batching']) {
    test(`exercise ${id} keeps its promises`, async (t) => {
      await assertExercisePasses(t, id, { producer: lab.producer.url, consumer: lab.consumer.url });
    });
  }
});
