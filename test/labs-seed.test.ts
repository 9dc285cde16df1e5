// The workshop, part 1: seed 002's exercises 1, 2 and 4–7, each run through `npm run lab`
// against real services, time-compressed, with every expected number checked.
import { testExercises } from './helpers/lab-runner';

testExercises(['01-baseline', '02-slow-consumer', '04-bounded', '05-rate-limit', '06-reset', '07-queue-latency']);
