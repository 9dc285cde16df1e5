// First in, first out: the oldest waiting item is served next and nothing is dropped. Under
// sustained overload every item waits the whole queue's length, so once that exceeds the callers'
// deadlines every item served is already too late: throughput stays at capacity, goodput falls to 0.
import { type Discipline, SERVE_OLDEST, type Take } from './discipline';

export class FifoDiscipline implements Discipline {
  next(): Take {
    return SERVE_OLDEST;
  }

  describe() {
    return { serving: 'oldest' };
  }
}
