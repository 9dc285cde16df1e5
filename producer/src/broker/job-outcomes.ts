// This producer's queue of job outcomes (QUEUE_BACKEND=rabbitmq). Every job item it publishes
// carries the queue's name as reply-to, so with several producers each one hears about its own
// jobs only: consumers send each outcome where the item says (consumer/src/outcome-reporter.ts).
// The name is fixed for the life of the process and the queue is declared again on every
// connection; it is not durable (the jobs it reports on live in this process's memory) and
// RabbitMQ deletes it a minute after this producer stopped consuming it (x-expires), so
// outcomes that arrive while the connection is briefly down wait for it.
import { randomUUID } from 'node:crypto';
import type { Channel } from 'amqplib';
import { OUTCOMES_QUEUE_PREFIX } from '../../../common/src/broker-topology';
import { type JobOutcome, parseOutcomes } from '../../../common/src/job-outcome';

const EXPIRES_MS = 60_000;

export class JobOutcomes {
  readonly queue = `${OUTCOMES_QUEUE_PREFIX}${process.pid}-${randomUUID().slice(0, 8)}`;
  received = 0;

  constructor(private readonly onOutcome: (outcome: JobOutcome) => void) {}

  async consume(channel: Channel): Promise<void> {
    await channel.assertQueue(this.queue, {
      durable: false,
      arguments: { 'x-queue-type': 'classic', 'x-expires': EXPIRES_MS },
    });
    await channel.consume(
      this.queue,
      (message) => {
        if (!message) return;
        for (const outcome of parseOutcomes(message.content)) {
          this.received++;
          this.onOutcome(outcome);
        }
      },
      { noAck: true },
    );
  }
}
