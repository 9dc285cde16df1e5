// The slowest delivered items of the last minute, and where each spent its time: admission,
// queue wait, the send, and the consumer's processing inside it. GET /recent-items serves them;
// the browser view draws them as a waterfall, so exercise 7 works without Jaeger. The window
// itself is common/src/slowest-window.ts.
import { SlowestWindow } from '../../common/src/slowest-window';
import type { Item } from './item';
import { queueTimeToEpochMs } from './queue-clock';

export class SlowestItems extends SlowestWindow {
  /** `item` was delivered now; its send took `sendMs`, the consumer said it processed it in `processMs`. */
  record(item: Item, sendMs: number, processMs: number | undefined, now = Date.now()): void {
    const totalMs = now - item.created_at;
    if (!this.wouldKeep(totalMs, now)) return;
    const sendStarted = now - sendMs;
    const enqueuedAt = queueTimeToEpochMs(item.enqueued_at);
    this.add(
      {
        id: item.id,
        ...(item.trace ? { trace_id: item.trace.traceId } : {}),
        priority: item.priority,
        attempts: item.attempts + 1,
        delivered_at: now,
        total_ms: totalMs,
        admission_ms: Math.max(0, Math.round(enqueuedAt - item.created_at)),
        queue_ms: Math.max(0, Math.round(sendStarted - enqueuedAt)),
        send_ms: Math.round(sendMs),
        process_ms: processMs ?? null,
      },
      now,
    );
  }
}
