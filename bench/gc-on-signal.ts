// Preloaded into a service by the memory figure (`node --expose-gc --require .../gc-on-signal.js`):
// on SIGUSR2 it runs a full garbage collection and says so on stdout, so that the heap read from
// /status right after holds live objects only. Bench tooling; the services know nothing of it.
const collect = (globalThis as { gc?: () => void }).gc;
if (!collect) throw new Error('gc-on-signal needs node --expose-gc');

process.on('SIGUSR2', () => {
  collect();
  process.stdout.write('{"msg":"gc done"}\n');
});

export {};
