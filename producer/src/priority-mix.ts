// Which generated items are high priority: exactly high_priority_ratio of them, spread evenly (at
// 0.6: normal, high, normal, high, high, and again). A coin toss per item gave that share only on
// average: at 20 items/s and 0.6 its share of ten-second windows wandered 0.54–0.65 here, and in
// exercise 17 the high lane, promised to grow 4 ± 2 items/s at scale 2, once grew 1.7 (about 48% high).
import type { Priority } from './item';

export class PriorityMix {
  /** The high items owed so far: the ratio accumulates, and each whole one is paid with a high item. */
  private owed = 0;

  /** The next item's priority, at `ratio` (0..1) high. */
  next(ratio: number): Priority {
    this.owed += ratio;
    if (this.owed < 1) return 'normal';
    this.owed -= 1;
    return 'high';
  }
}
