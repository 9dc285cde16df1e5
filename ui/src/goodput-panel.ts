// The browser view's goodput figure (docs/goodput.md): the consumer's own counts of items processed
// within their deadline (goodput), after it (late: wasted work) and dropped past it (expired), and
// its goodput beside its throughput over the last 5 s. Taken as the consumer reports them, so the
// figure and the consumer's /status can be compared number for number.
import type { ConsumerStatus } from '../../labs/src/services';

export function goodputOf(c: ConsumerStatus | undefined) {
  if (!c) return undefined;
  const g = c.goodput;
  const processed = g.processed_in_deadline + g.processed_late;
  return {
    goodput_per_s: g.goodput_per_s,
    throughput_per_s: g.throughput_per_s,
    processed_in_deadline: g.processed_in_deadline,
    processed_late: g.processed_late,
    expired: g.expired,
    /** Share of the processed items that finished after their deadline, in % (null before any). */
    late_percent: processed > 0 ? Math.round((1000 * g.processed_late) / processed) / 10 : null,
  };
}
