// The workshop, part 3: the strategy exercises and queue sizing, each run through `npm run lab`
// against real services at LAB_TIME_SCALE=5, with every expected number checked.
import { testExercises } from './helpers/lab-runner';

testExercises(['14-sample', '15-adaptive', '16-jobs-429', '17-priorities', '18-scale-consumer', '19-queue-sizing']);
