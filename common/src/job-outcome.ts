// What a consumer tells a producer about a job item it finished, on the broker (QUEUE_BACKEND=
// rabbitmq): one message to the producer's reply-to queue holds a batch of these, as JSON.
export interface JobOutcome {
  id: string;
  outcome: 'done' | 'failed';
  /** Delivery attempts, the last one included. */
  attempts: number;
  /** Epoch ms when the consumer finished it. */
  finished_at: number;
  error?: string;
}

/** Reads a batch; anything else is an empty batch (a foreign message must not stop the reader). */
export function parseOutcomes(content: Buffer): JobOutcome[] {
  try {
    const batch = JSON.parse(content.toString());
    return Array.isArray(batch) ? batch.filter((o) => typeof o?.id === 'string' && (o.outcome === 'done' || o.outcome === 'failed')) : [];
  } catch {
    return [];
  }
}
