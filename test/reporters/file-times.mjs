// A second reporter for `npm test`: after the TAP output, each test file's time (the sum of its
// top-level tests, which run one after another), longest first. CI has a time budget (README);
// this says where it goes. Node's runner reports tests, not files, so the file comes from each
// event (`data.file`). Then every exercise that ran a second time after a failed first run (the
// `rerun:` diagnostics of test/helpers/lab-runner.ts), whatever the second run did: a first failure
// is not to be lost in the TAP.
const fileOf = (event) => (event.data.file ?? '(unknown file)').split('/').pop();

export default async function* fileTimes(source) {
  const files = new Map();
  const reruns = [];
  for await (const event of source) {
    if (event.type === 'test:diagnostic' && event.data.message.startsWith('rerun:')) {
      reruns.push(`${fileOf(event)}: ${event.data.message}`);
      continue;
    }
    if ((event.type !== 'test:pass' && event.type !== 'test:fail') || event.data.nesting !== 0) continue;
    const name = fileOf(event);
    const file = files.get(name) ?? { ms: 0, tests: 0 };
    file.ms += event.data.details.duration_ms;
    file.tests++;
    files.set(name, file);
  }
  yield '# time per test file (its top-level tests, one after another), longest first:\n';
  for (const [name, { ms, tests }] of [...files].sort((a, b) => b[1].ms - a[1].ms)) {
    yield `#   ${(ms / 1000).toFixed(1).padStart(6)} s  ${String(tests).padStart(3)} top-level  ${name}\n`;
  }
  yield `# exercises run twice after a failed first run: ${reruns.length}\n`;
  for (const line of reruns) yield `#   ${line}\n`;
}
