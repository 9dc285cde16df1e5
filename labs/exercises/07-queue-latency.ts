import { about, atLeast, atMost, type Exercise, post, watch } from '../src/exercise';
import { PANELS } from '../src/panels';
import { JQ, oldestAge } from './measures';

export default {
  id: '07-queue-latency',
  title: 'Where the time goes: queue wait',
  goal:
    "Follow an item's latency. Processing takes 100 ms (500 ms slowed), but under backpressure items spend far " +
    'longer waiting in the queue than being processed — and that wait keeps growing.',
  intro:
    'With the Docker stack (or any OpenTelemetry collector at OTEL_EXPORTER_OTLP_ENDPOINT) each item is a trace: ' +
    'open Jaeger (http://localhost:16686), pick the service "producer", find traces of `send_to_consumer` and read the ' +
    'attribute `queue.latency_seconds`. Natively, the consumer measures the same wait in its ' +
    "`backpressure_queue_wait_seconds` histogram (from the item's creation to the start of its processing), and the " +
    'producer reports the age of its oldest queued item; that is what this exercise measures.',
  steps: [
    watch(3, 'Let the lab warm up'),
    watch(10, 'Healthy: how long do items wait?', { window: 'healthy', jq: JQ.age }),
    post('consumer', '/admin/slow-down', { factor: 5 }, 'Slow the consumer down 5×'),
    watch(20, 'Backpressured: watch the wait grow', { window: 'slow', jq: JQ.age }),
  ],
  watch: {
    panels: [PANELS.queueWait, PANELS.processingTime, PANELS.queueDepth],
    terminal: "p95 queue wait and the oldest item's age climb while processing stays at 500 ms.",
  },
  checks: [
    about('age of the oldest queued item after 20 s', 12, 's', (r) => oldestAge(r.window('slow').last), {
      tolerance: 0.25,
      why: '0.6 × 20 s: see the answer below',
    }),
    atMost('p95 queue wait, healthy', 0.25, 's', (r) => r.window('healthy').quantile('queueWait', 0.95), {
      why: 'an item rarely finds both connections busy',
    }),
    atLeast('p95 queue wait, slowed', 5, 's', (r) => r.window('slow').quantile('queueWait', 0.95), {
      why: '10 × the 500 ms of processing: items wait in the queue far longer than they are processed',
    }),
  ],
  question: 'Twenty seconds after the slow-down, why has the oldest item waited about 12 s — and not 20 s, nor 30 s (queue size ÷ 4)?',
  answer:
    'Items arrive at 10/s and leave at 4/s, in order. By time t, 4t items have left, so the item at the head arrived ' +
    'when the 4t-th item was made, at 4t ÷ 10 = 0.4 t: it has waited t − 0.4 t = 0.6 t, 12 s at t = 20 s. The queue ' +
    'then holds 6t = 120 items, so an item joining now will wait 120 ÷ 4 = 30 s: the wait of the items joining grows ' +
    "2.5× faster than the wait of the items leaving. Little's law (wait = queue ÷ throughput) holds only once a queue " +
    'stops growing — exercise 19.',
} satisfies Exercise;
