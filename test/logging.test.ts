// What a service's log lines look like: JSON through a pipe (the default, and LOG_FORMAT=json),
// one readable line per entry with LOG_FORMAT=pretty or in a terminal, and the service (and its
// INSTANCE) named on every line either way.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { stripVTControlCharacters } from 'node:util';
import { startProcess } from './helpers/process';
import { startService } from './helpers/services';

const CONSUMER = path.resolve(__dirname, '../consumer/src/main.js');

test('through a pipe (LOG_FORMAT=auto, the default) and with LOG_FORMAT=json the lines are JSON, each naming the service and its INSTANCE', async () => {
  for (const env of [{ INSTANCE: 'c-1' }, { INSTANCE: 'c-1', LOG_FORMAT: 'json' }] as Record<string, string>[]) {
    const consumer = await startService('consumer', env);
    try {
      await consumer.post('/admin/config', { processing_time_ms: 5 });
    } finally {
      await consumer.stop();
    }
    const entries = consumer.output.map((line) => JSON.parse(line)); // throws on a line that is not JSON
    assert.ok(entries.length >= 4, consumer.output.join('\n'));
    for (const entry of entries) assert.deepEqual([entry.service, entry.instance], ['consumer', 'c-1'], JSON.stringify(entry));
    assert.deepEqual(
      entries.map((e) => e.msg).filter((msg) => ['listening', 'consumer settings changed', 'shutting down'].includes(msg)),
      ['listening', 'consumer settings changed', 'shutting down'],
    );
  }
});

const post = (url: string, body: object) =>
  fetch(`${url}/admin/config`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

/**
 * Runs the consumer (PORT=0) through `command`, calls `act` with its URL once it listens, then
 * stops it with SIGTERM; returns its output lines, colours removed.
 */
async function consumerLines(
  command: string,
  args: string[],
  env: Record<string, string>,
  act: (url: string) => Promise<void> = async () => {},
) {
  const consumer = startProcess(command, args, { HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', LOG_FORMAT: 'auto', ...env });
  try {
    await consumer.waitForOutput(/consumer started/, 20_000);
    const url = /"url":"(http:[^"]+)"/.exec(consumer.output)![1]!; // from the line before, "listening"
    await act(url);
  } finally {
    await consumer.stop();
  }
  return stripVTControlCharacters(consumer.output).split(/\r?\n/).filter(Boolean);
}

const TIME = String.raw`\[\d\d:\d\d:\d\d\.\d{3}\]`;

test('LOG_FORMAT=pretty: time, level, service#instance, message and its fields, one line each', async () => {
  const lines = await consumerLines(process.execPath, [CONSUMER], { LOG_FORMAT: 'pretty', INSTANCE: '2' }, async (url) => {
    assert.equal((await post(url, { processing_time_ms: 5 })).status, 200);
    assert.equal((await post(url, { failure_rate: 2 })).status, 400);
  });
  const expected = [
    /INFO: consumer#2 {2}listening \{"url":"http:\/\/127\.0\.0\.1:\d+"\}$/,
    /INFO: consumer#2 {2}consumer started \{"settings":\{"processing_time_ms":100,.*\},"queue_backend":"memory","downstream":"none"\}$/,
    /INFO: consumer#2 {2}consumer settings changed \{"changed":\{"processing_time_ms":5\}\}$/,
    /INFO: consumer#2 {2}request completed POST \/admin\/config → 200 in \d+ ms$/,
    /WARN: consumer#2 {2}request completed POST \/admin\/config → 400 in \d+ ms$/,
    /INFO: consumer#2 {2}shutting down \{"signal":"SIGTERM"\}$/,
    /INFO: consumer#2 {2}consumer stopped \{"totals":\{"processed":0,"failed":0\}\}$/,
  ];
  assert.equal(lines.length, expected.length, lines.join('\n'));
  for (const [i, line] of lines.entries()) assert.match(line, new RegExp(`^${TIME} ${expected[i]!.source}`));
});

test('in a terminal (LOG_FORMAT=auto, the default) the lines are pretty', async () => {
  // `script` (util-linux) runs the service with a pseudo-terminal as its stdout.
  const command = `exec ${JSON.stringify(process.execPath)} ${JSON.stringify(CONSUMER)}`;
  const lines = await consumerLines('script', ['-qec', command, '/dev/null'], {});
  assert.match(lines[0]!, new RegExp(`^${TIME} INFO: consumer {2}listening \\{"url"`), lines.join('\n'));
  assert.ok(!lines.some((line) => line.startsWith('{')), `no JSON line:\n${lines.join('\n')}`);
});
