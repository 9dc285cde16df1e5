import { about, atMost, type Exercise, post, watch } from '../src/exercise';
import { PANELS } from '../src/panels';
import type { Recording, Up } from '../src/recording';

const JQ_BUDGET = '{size: .queue.size, retry_budget: .backend.retry_budget, dropped: .accounting.dropped}';
const firstSends = (s: Up) => s.producer.backend.retry_budget?.first_sends ?? NaN;
const retrySends = (s: Up) => s.producer.backend.retry_budget?.retry_sends ?? NaN;
/** Requests the consumer answered, by its own count: each attempt reaches it once. */
const consumerRequests = (s: Up) => s.consumer.totals.processed + s.consumer.totals.failed;
/** Attempts ÷ items over a window, from the consumer's count of requests and the producer's first sends. */
const amplification = (r: Recording, window: string) =>
  r.window(window).change(consumerRequests) / Math.max(1, r.window(window).change(firstSends));

export default {
  id: '41-retry-budget',
  backend: {
    only: 'memory',
    why: "the budget limits the producer's retries of failed sends; on the broker the consumers retry failed items themselves, nothing is sent, and the broker refuses retry_budget_ratio with a 400",
  },
  title: 'Advanced: retry amplification and a retry budget',
  goal:
    'The consumer fails half of its requests. The producer retries every failure (up to 5 attempts), so the consumer ' +
    'faces almost twice the load it was sent: 1 + ½ + ¼ + ⅛ + 1/16 ≈ 1.94 requests per item — the retry ' +
    'amplification. A dependency that fails because it is overloaded gets more overloaded. A retry budget, as in ' +
    "gRPC's retry throttling and Finagle, allows retries of at most a share of first attempts (here 10%): the consumer " +
    'then sees at most 1.1 requests per item; the failures the budget cannot pay for are dropped, counted.',
  steps: [
    post(
      'consumer',
      '/admin/config',
      { failure_rate: 0.5, processing_time_ms: 5, max_concurrency: 8 },
      'The consumer fails half of its requests (5 ms each, 8 at once)',
    ),
    post(
      'producer',
      '/admin/config',
      { production_rate: 10, sender_concurrency: 8, breaker_failure_threshold: 1000, retry_base_ms: 20, retry_max_ms: 100 },
      'Make 10 items a second, sent by 8 senders so that no backlog forms (a retry goes first and would starve new items); ' +
        'keep the breaker out of it (1000 failures in a row); short backoffs',
    ),
    watch(5, 'Let the retries start'),
    watch(20, 'No budget: requests per item', { window: 'unbudgeted', jq: JQ_BUDGET }),
    post(
      'producer',
      '/admin/config',
      { retry_budget_ratio: 0.1, retry_budget_window_ms: 10000 },
      'A retry budget: retries ≤ 10% of first attempts over 10 s',
    ),
    watch(12, 'The window fills with the new rule'),
    watch(20, 'With the budget: requests per item', { window: 'budgeted', jq: JQ_BUDGET }),
  ],
  watch: {
    panels: [PANELS.retries, PANELS.throughput, PANELS.rejectedDropped, PANELS.deadLetters],
    terminal:
      'the consumer sees ~19 requests/s for 10 items/s without the budget, ~11 with it; dropped grows ~4.5/s (reason retry_budget).',
  },
  checks: [
    about("no budget: requests per item (the consumer's count)", 1.94, '', (r) => amplification(r, 'unbudgeted'), {
      // ~200 items in the window, each one's count of requests a coin's doing (spread 1.2): the
      // mean alone spreads ±0.085; five runs on a busy machine measured 1.69–2.11
      within: 0.3,
      why: '1 + ½ + ¼ + ⅛ + 1/16 at max_attempts 5',
    }),
    about('no budget: requests the consumer answered', 19.4, 'items/s', (r) => r.window('unbudgeted').rate(consumerRequests)),
    atMost("budget: requests per item (the consumer's count)", 1.15, '', (r) => amplification(r, 'budgeted'), {
      why: 'retries ≤ 0.1 × first attempts',
    }),
    atMost("budget: retries per first attempt (the producer's count)", 0.11, '', (r) => {
      const w = r.window('budgeted');
      return w.change(retrySends) / Math.max(1, w.change(firstSends));
    }),
    about('budget: dropped by the budget', 4.5, 'items/s', (r) => r.window('budgeted').rate((s) => s.producer.accounting.dropped), {
      tolerance: 0.3,
      why: '5 of 10 items/s fail, and half of the retries fail again: 5.5 a second ask for a retry, the budget pays for 1',
    }),
  ],
  question: 'The budget dropped items that a retry would probably have delivered. When is that the right trade?',
  answer:
    'When the failures come from overload, which is when retries hurt most: a retry budget caps the extra load at ' +
    '10%, so a struggling dependency is not pushed further down, and clients see fast failures instead of slow ones. ' +
    'When failures are independent of load (a flaky network, a bad host behind a balancer), retries are cheap and ' +
    'worth it — that is why budgets are a ratio with a window, not "never retry": in normal times 10% covers all ' +
    "retries; only a storm of failures hits the cap. Google's SRE book adds a per-request limit (3 tries) and a " +
    'client-wide 10% budget, and asks servers to say "overloaded, don\'t retry" explicitly.',
} satisfies Exercise;
