// The workshop on the broker: exercises 23–26 (crashes, overflow, TTL) and seed 002's exercises
// 1, 2, 4 and 6, each run through `npm run lab`, time-compressed, against `QUEUE_BACKEND=rabbitmq
// npm start` (its supervisor restarts what an exercise kills) and a real RabbitMQ.
import { testExercisesOnBroker } from './helpers/broker-labs';

testExercisesOnBroker('on the broker, under npm start', [
  '23-broker-producer-crash',
  '24-broker-consumer-crash',
  '25-broker-overflow',
  '26-broker-ttl',
  '01-baseline',
  '02-slow-consumer',
  '04-bounded',
  '06-reset',
]);
