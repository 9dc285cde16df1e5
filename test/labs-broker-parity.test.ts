// The rest of the workshop on the broker (issue 19): every exercise that does not teach something
// only the in-memory queue has (those say why in their `backend` field: 3, 10, 15, 18, 22, 32, 34)
// runs on QUEUE_BACKEND=rabbitmq too, through `npm run lab`, time-compressed, under `npm start`
// with a real RabbitMQ (one for the file). labs-broker.test.ts runs 1, 2, 4, 6 and the broker's own 23–26.
// 09 (a burst of 1,000) measures the queue from the sample right after POST /produce: on the
// broker its answer waits for a depth poll started after the last confirm (backend.depthSettled),
// else that sample could be 100 ms of publishes short (865 of 1,000 seen: "shrinks by" 4–6/s of 10).
import { testExercisesOnBroker } from './helpers/broker-labs';

testExercisesOnBroker('the in-memory exercises, on the broker, under npm start', [
  '05-rate-limit',
  '07-queue-latency',
  '08-variable-processing',
  '09-burst',
  '11-block',
  '12-timeout',
  '13-drop-oldest',
  '14-sample',
  '16-jobs-429',
  '17-priorities',
  '19-queue-sizing',
  '20-open-block',
  '21-open-timeout',
]);
