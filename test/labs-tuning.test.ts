// The workshop, part 4: the adaptive limit, 429 with a polite client, priorities, scaling the
// consumer and queue sizing, each run through `npm run lab`, time-compressed, with every
// expected number checked.
import { testExercises } from './helpers/lab-runner';

testExercises(['15-adaptive', '16-jobs-429', '17-priorities', '18-scale-consumer', '19-queue-sizing']);
