// The workshop, part 5: open arrivals (block and timeout) and the circuit breaker at a 50%
// failure rate, each run through `npm run lab` at LAB_TIME_SCALE=5, with every expected number checked.
import { testExercises } from './helpers/lab-runner';

testExercises(['20-open-block', '21-open-timeout', '22-breaker-failure-rate']);
