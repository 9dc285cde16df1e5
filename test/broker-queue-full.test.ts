// When block and timeout on the broker take the queue for full. Against the broker's own exact
// limit (a classic queue's max-length, reject-publish), "full" is the broker's count at the last
// depth poll plus what it confirmed since: the broker counts a message before its confirm comes
// back, so adding the publishes still unanswered would count them twice and wait below the limit.
// No broker here: a channel that holds every publish's confirm until the test answers it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setImmediate as turn } from 'node:timers/promises';
import type { ConfirmChannel } from 'amqplib';
import { BrokerQueue } from '../producer/src/broker/broker-queue';
import { createItem } from '../producer/src/item';

type Confirm = (err: Error | null) => void;

function queueWithLimit(limit: number) {
  const unanswered: Confirm[] = [];
  const channel = {
    publish: (_exchange: string, _key: string, _body: Buffer, _options: unknown, confirm: Confirm) => unanswered.push(confirm) > 0,
  } as unknown as ConfirmChannel;
  const queue = new BrokerQueue({
    hardCap: () => limit,
    exactLimit: true,
    maxAttempts: () => 5,
    onNack: () => {},
    onAnswer: () => {},
    onResend: () => {},
    blocked: () => false,
    outcomesQueue: 'test.outcomes',
  });
  queue.attach(channel);
  return { queue, unanswered };
}

test('block publishes while the broker counts fewer than its limit, though two of those are not confirmed yet', async () => {
  const { queue, unanswered } = queueWithLimit(20);
  const waiting = new AbortController();
  const offer = () => queue.addWhenRoom(createItem(10), 20, waiting.signal);
  const offers = [offer(), offer()];
  assert.equal(unanswered.length, 2, 'two publishes on their way');
  // The broker already counts them: 16 others and these two ready, their confirms not back yet.
  queue.depthPolled(18, queue.log.confirmedTotal);
  offers.push(offer());
  await turn();
  assert.equal(unanswered.length, 3, 'the third offer publishes: the broker counts 18 of 20');
  assert.equal(queue.size, 21, 'the high estimate (a limit only the producer knows) counts the two twice');

  for (const confirm of unanswered.splice(0)) confirm(null);
  queue.depthPolled(20, queue.log.confirmedTotal); // the broker counts 20 of 20
  offers.push(offer());
  await turn();
  assert.equal(unanswered.length, 0, 'at the limit the fourth offer waits, without publishing');
  waiting.abort();
  assert.deepEqual(await Promise.all(offers), ['queued', 'queued', 'queued', 'cancelled']);
});

test('a confirm after the poll answered counts until the next poll', async () => {
  const { queue, unanswered } = queueWithLimit(3);
  const waiting = new AbortController();
  queue.depthPolled(2, queue.log.confirmedTotal);
  const first = queue.addWhenRoom(createItem(10), 3, waiting.signal);
  unanswered.shift()?.(null);
  assert.equal(await first, 'queued');
  const second = queue.addWhenRoom(createItem(10), 3, waiting.signal);
  await turn();
  assert.equal(unanswered.length, 0, '2 polled + 1 confirmed since: full, the offer waits');
  queue.depthPolled(2, queue.log.confirmedTotal); // the consumer took one
  await turn();
  assert.equal(unanswered.length, 1, 'the poll shows room and wakes it');
  unanswered.shift()?.(null);
  assert.equal(await second, 'queued');
  waiting.abort();
});
