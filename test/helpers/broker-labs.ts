// Runs exercises through `npm run lab` against `QUEUE_BACKEND=rabbitmq npm start` (its supervisor
// restarts what an exercise kills) on one real RabbitMQ started for the test file.
import { after, before, describe, test } from 'node:test';
import { assertExercisePasses } from './lab-runner';
import { startUnderNpmStart } from './npm-start';
import { brokerEnv, type RabbitMQ, startBroker } from './rabbitmq';

export function testExercisesOnBroker(title: string, ids: string[]): void {
  let rabbit: RabbitMQ;
  before(async () => {
    rabbit = await startBroker();
  });
  after(() => rabbit?.stop());

  describe(title, () => {
    let urls: { producer: string; consumer: string };
    const cleanups: (() => Promise<unknown>)[] = [];
    before(async () => {
      ({ urls } = await startUnderNpmStart({ after: (fn) => cleanups.push(fn) }, brokerEnv(rabbit)));
    });
    after(async () => {
      for (const cleanup of cleanups) await cleanup();
    });
    for (const id of ids) {
      test(`exercise ${id} keeps its promises`, async (t) => {
        await assertExercisePasses(t, id, urls);
      });
    }
  });
}
