// Figure 1 — rate accuracy: does production_rate N give N items per second?
// The lab as it ships (default consumer, 1 KB payloads); each run counts `produced` in /status
// over a window, the generator having run at the rate for a second first.
import { setTimeout as sleep } from 'node:timers/promises';
import { startLab } from '../../test/helpers/services';
import type { Plan } from '../plan';
import { countPerSecond, withEventLoopDelay } from '../probe';
import type { Figure, Row } from '../report';
import { median, round } from '../stats';

const TOLERANCE = 0.01;

export async function rateAccuracy(plan: Plan): Promise<Figure> {
  const lab = await startLab({ PRODUCTION_RATE: '0' });
  try {
    const rows: Row[] = [];
    for (const rate of plan.rate.rates) {
      await lab.producer.post('/admin/config', { production_rate: rate });
      await sleep(plan.quick ? 200 : 1000);
      const runs: { achieved: number; eld: number }[] = [];
      for (let run = 0; run < plan.runs; run++) {
        const measured = await withEventLoopDelay(lab.producer, () =>
          countPerSecond(lab.producer, 'produced', plan.rate.windowSeconds(rate)),
        );
        runs.push({ achieved: measured.result.perSecond, eld: measured.eventLoopDelayP99Ms });
      }
      // The default consumer drains 20/s: empty the queue so the next rate starts from a small heap.
      await lab.producer.post('/admin/clear-queue');
      const achieved = median(runs.map((r) => r.achieved));
      const error = (achieved - rate) / rate;
      rows.push({
        name: `rate ${rate}/s`,
        measured: `${round(achieved, 2)}/s (${error >= 0 ? '+' : ''}${round(error * 100, 2)}%)`,
        goal: 'within 1%',
        met: Math.abs(error) <= TOLERANCE,
        event_loop_delay_p99_ms: round(median(runs.map((r) => r.eld)), 2),
        values: {
          configured: rate,
          achieved: round(achieved, 3),
          error_pct: round(error * 100, 3),
          window_seconds: plan.rate.windowSeconds(rate),
          runs: runs.map((r) => round(r.achieved, 3)),
        },
      });
    }
    return {
      title: 'Rate accuracy',
      rows,
      notes: ['produced items counted in /status over a window: 10 s at 10/s (one item is 1% of 100), 3 s at faster rates'],
    };
  } finally {
    await lab.stop();
  }
}
