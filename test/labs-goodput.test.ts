// The workshop, goodput: 2× overload under FIFO, adaptive LIFO and CoDel; a metastable failure and
// its recovery; retry amplification with and without a budget. Each run through `npm run lab` at
// LAB_TIME_SCALE=1 (not compressed: test/helpers/lab-runner.ts), with every expected number checked.
import { testExercises } from './helpers/lab-runner';

// 40 last: its callers' backlog is the heaviest for the reset that follows an exercise.
testExercises(['39-goodput-disciplines', '41-retry-budget', '40-metastable']);
