// Runs exercises through `npm run lab` against `QUEUE_BACKEND=rabbitmq npm start` (its supervisor
// restarts what an exercise kills) on one real RabbitMQ started for the test file.
import { after, before, describe, test } from 'node:test';
import { assertExercisePasses } from './lab-runner';
import { type NpmStart, startNpmStart } from './npm-start';
import { brokerEnv, type RabbitMQ, startBroker } from './rabbitmq';

export function testExercisesOnBroker(title: string, ids: string[]): void {
  let rabbit: RabbitMQ;
  before(async () => {
    rabbit = await startBroker();
  });
  after(() => rabbit?.stop());

  describe(title, () => {
    let run: NpmStart | undefined;
    before(async () => {
      run = await startNpmStart(brokerEnv(rabbit));
    });
    after(() => run?.stop());
    for (const id of ids) {
      test(`exercise ${id} keeps its promises`, async (t) => {
        if (!run) throw new Error('npm start did not start');
        await assertExercisePasses(t, id, run.urls);
      });
    }
  });
}
