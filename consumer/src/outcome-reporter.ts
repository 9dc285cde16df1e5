// Tells producers how their jobs ended (QUEUE_BACKEND=rabbitmq): a job item carries its producer's
// queue as reply-to, and once it is processed (or given up) its outcome goes there. Outcomes are
// batched per producer, one message every FLUSH_MS at most: a job learns its end within ~50 ms,
// and a busy consumer sends one small message per producer per 50 ms instead of one per item
// (the bench's broker figure measures what they cost). Sent without waiting for a confirm: an
// outcome lost with a connection leaves that job `queued`, never the item lost.
import type { Channel } from 'amqplib';
import type { JobOutcome } from '../../common/src/job-outcome';

const FLUSH_MS = 50;

export class OutcomeReporter {
  private readonly pending = new Map<string, JobOutcome[]>();
  private timer?: NodeJS.Timeout;
  private channel?: Channel;
  sent = 0;

  attach(channel: Channel | undefined): void {
    this.channel = channel;
  }

  report(replyTo: string, outcome: JobOutcome): void {
    const batch = this.pending.get(replyTo);
    if (batch) batch.push(outcome);
    else this.pending.set(replyTo, [outcome]);
    this.timer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  flush(): void {
    this.timer = undefined;
    const channel = this.channel;
    if (!channel) {
      this.pending.clear(); // no connection: these jobs stay `queued` at their producer
      return;
    }
    for (const [replyTo, batch] of this.pending) {
      try {
        channel.sendToQueue(replyTo, Buffer.from(JSON.stringify(batch)), { contentType: 'application/json' });
        this.sent += batch.length;
      } catch {
        // the channel closed meanwhile: as above
      }
    }
    this.pending.clear();
  }
}
