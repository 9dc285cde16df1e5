// What of the goodput settings (docs/goodput.md) RabbitMQ cannot do, said as a 400 naming the
// setting, before anything changes. Deadlines work on both backends (the consumer drops an expired
// item before processing it); these do not:
//   - queue_discipline other than fifo: RabbitMQ hands out each queue's messages oldest first (per
//     priority) and a client cannot ask for the newest, or drop from the head on its sojourn time:
//     the nearest it has is message-ttl (max_item_age_ms), a fixed age limit rather than CoDel's
//     control law.
//   - retry_budget_ratio: on RabbitMQ the producer sends nothing to a consumer; a failed item is
//     republished by the consumer that failed it (consumer/src/broker-consumer.ts), not by the sender.
//   - client_timeout_ms: a waiting open caller learns that its item was done from the sender's
//     answer, which the producer does not have here.
import { HttpError } from '../../../common/src/http';
import type { ProducerSettings } from '../config';

export function refuseWhatTheBrokerCannotDo(next: ProducerSettings): void {
  if (next.queue_discipline !== 'fifo') {
    throw unsupported(
      'queue_discipline',
      `${next.queue_discipline} needs the queue to choose which waiting item goes next; RabbitMQ delivers oldest first (per priority). Use max_item_age_ms (message-ttl) to shed old items there.`,
    );
  }
  if (next.retry_budget_ratio > 0) {
    throw unsupported(
      'retry_budget_ratio',
      'with RabbitMQ the consumers retry failed items themselves; the producer sends nothing to budget.',
    );
  }
  if (next.client_timeout_ms > 0) {
    throw unsupported(
      'client_timeout_ms',
      "with RabbitMQ the producer does not hear when an item is done, so a caller's timeout cannot end.",
    );
  }
}

const unsupported = (field: string, reason: string) =>
  new HttpError(400, `${field} is not available with QUEUE_BACKEND=rabbitmq: ${reason}`, { field, backend: 'rabbitmq' });
