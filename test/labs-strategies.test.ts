// The workshop, part 3: block, timeout, drop_oldest and sampling, each run through `npm run lab`
// at LAB_TIME_SCALE=5, with every expected number checked.
import { testExercises } from './helpers/lab-runner';

testExercises(['11-block', '12-timeout', '13-drop-oldest', '14-sample']);
