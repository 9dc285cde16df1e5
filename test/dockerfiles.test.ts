// The Dockerfiles (producer, consumer, ui) checked offline (test/docker/stack.test.ts builds them for real):
// dockerfile-utils finds no problem; no `# syntax=` line (it would pull an image); every stage is
// the Node.js base that .env names (NODE_IMAGE, node:24-slim, passed in as a build argument) or an
// earlier stage; every COPY source exists and is not excluded by .dockerignore;
// the final stage is production-only, non-root, NODE_ENV=production, with a node healthcheck.
// Then the healthcheck script and the load generator the images run, run here for real.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import dockerignore from '@balena/dockerignore';
import { type Copy, DockerfileParser, type From, type Instruction } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import { readEnvFile } from './helpers/compose-file';
import { startLab, startService } from './helpers/services';

const ROOT = path.resolve(__dirname, '../..');
const DIST = path.join(ROOT, 'dist');
const run = promisify(execFile);
const ignored = dockerignore().add(readFileSync(path.join(ROOT, '.dockerignore'), 'utf8').split('\n'));

const content = (i: Instruction) => i.getArgumentsContent() ?? '';

interface Stage {
  from: From;
  name: string | null;
  instructions: Instruction[];
}

/** The ARGs before the first FROM (the ones a FROM line may use), and the stages. */
function parseDockerfile(text: string): { globalArgs: string[]; stages: Stage[] } {
  const globalArgs: string[] = [];
  const stages: Stage[] = [];
  for (const instruction of DockerfileParser.parse(text).getInstructions()) {
    if (instruction.getKeyword() === 'FROM') {
      const from = instruction as From;
      stages.push({ from, name: from.getBuildStage(), instructions: [] });
    } else if (stages.length === 0) {
      assert.equal(instruction.getKeyword(), 'ARG', 'only ARG comes before the first FROM');
      globalArgs.push(content(instruction));
    } else {
      stages.at(-1)!.instructions.push(instruction);
    }
  }
  return { globalArgs, stages };
}

const filesUnder = (p: string): string[] => (statSync(p).isDirectory() ? readdirSync(p).flatMap((f) => filesUnder(path.join(p, f))) : [p]);

for (const service of ['producer', 'consumer', 'ui']) {
  const text = readFileSync(path.join(ROOT, service, 'Dockerfile'), 'utf8');
  const { globalArgs, stages } = parseDockerfile(text);
  const final = stages.at(-1)!;
  const finalOf = (keyword: string) => final.instructions.filter((i) => i.getKeyword() === keyword);

  test(`${service}/Dockerfile: dockerfile-utils finds no problem, and there is no # syntax= line`, () => {
    assert.deepEqual(
      validate(text).map((d) => `${d.range.start.line + 1}: ${d.message}`),
      [],
    );
    assert.doesNotMatch(text, /^#\s*syntax\s*=/im);
  });

  test(`${service}/Dockerfile: multi-stage on .env's NODE_IMAGE (node:24-slim); every COPY --from names an earlier stage`, () => {
    assert.equal(readEnvFile().NODE_IMAGE, 'node:24-slim');
    // No default: .env is the one place the base is written (compose passes it as a build arg).
    assert.deepEqual(globalArgs, ['NODE_IMAGE']);
    assert.ok(stages.length >= 3, 'build, production dependencies, runtime');
    const seen: string[] = [];
    for (const stage of stages) {
      const image = stage.from.getImage()!;
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the Dockerfile's own variable syntax
      assert.ok(image === '${NODE_IMAGE}' || seen.includes(image), `FROM ${image}`);
      for (const copy of stage.instructions.filter((i) => i.getKeyword() === 'COPY') as Copy[]) {
        const from = copy.getFromFlag()?.getValue();
        if (from) assert.ok(seen.includes(from), `COPY --from=${from} must name an earlier stage (have ${seen.join(', ')})`);
      }
      if (stage.name) seen.push(stage.name);
    }
  });

  test(`${service}/Dockerfile: every COPY source exists in the repository and is in the build context`, () => {
    const sources = stages
      .flatMap((s) => s.instructions)
      .filter((i) => i.getKeyword() === 'COPY' && !(i as Copy).getFromFlag())
      .flatMap((i) =>
        i
          .getArguments()
          .slice(0, -1)
          .map((a) => a.getValue()),
      );
    assert.ok(sources.includes('package-lock.json') && sources.includes(`${service}/src`), sources.join(' '));
    for (const source of sources) {
      const files = filesUnder(path.join(ROOT, source)).map((f) => path.relative(ROOT, f));
      const excluded = files.filter((f) => ignored.ignores(f));
      assert.deepEqual(excluded, [], `${source}: excluded by .dockerignore`);
    }
  });

  test(`${service}/Dockerfile: the runtime stage is production-only, non-root, with a node healthcheck`, () => {
    assert.equal(content(finalOf('USER')[0]), 'node');
    assert.match(finalOf('ENV').map(content).join(' '), /\bNODE_ENV=production\b/);
    const copies = finalOf('COPY') as Copy[];
    const modulesFrom = copies
      .find((c) => content(c).includes('node_modules'))
      ?.getFromFlag()
      ?.getValue();
    const depsStage = stages.find((s) => s.name === modulesFrom);
    assert.ok(depsStage, 'node_modules comes from a stage of its own');
    assert.match(depsStage.instructions.map(content).join('\n'), /npm ci --omit=dev/);
    assert.ok(
      stages.some((s) => s.instructions.some((i) => /npm run build/.test(content(i)))),
      'the build stage runs npm run build',
    );
    assert.equal(finalOf('RUN').length, 0, 'the runtime stage installs nothing');

    const healthcheck = content(final.instructions.find((i) => i.getKeyword() === 'HEALTHCHECK')!);
    const command = /CMD (\[.*\])/s.exec(healthcheck)?.[1];
    assert.ok(command, healthcheck);
    const [program, script] = JSON.parse(command);
    assert.equal(program, 'node', 'no curl in the slim image: the healthcheck is node');
    const [cmdProgram, main] = JSON.parse(content(finalOf('CMD')[0]));
    assert.equal(cmdProgram, 'node');
    // Scripts the image runs are compiled from sources that exist.
    for (const js of [script, main]) assert.ok(statSync(path.join(ROOT, js.replace(/^dist\//, '').replace(/\.js$/, '.ts'))).isFile(), js);
  });
}

test('the two Dockerfiles differ in size', () => {
  // Docker 20.10's BuildKit (Debian's engine, and CI's) sends each build's Dockerfile under the
  // same key for one context and skips a file whose size and mtime match the one it has: a fresh
  // checkout writes both in the same instant, so equal sizes made it build the consumer image for
  // both services. Seen here; test/docker/stack.test.ts checks each image's command too.
  const size = (service: string) => statSync(path.join(ROOT, service, 'Dockerfile')).size;
  assert.notEqual(size('producer'), size('consumer'));
});

test('.dockerignore keeps node_modules, dist, .git and tests out of the build context', () => {
  for (const file of ['node_modules/express/package.json', 'dist/producer/src/main.js', '.git/HEAD', 'test/core.test.ts', '.env']) {
    assert.ok(ignored.ignores(file), file);
  }
});

test('the image healthcheck script exits 0 for a live service and 1 when nothing answers', async () => {
  const consumer = await startService('consumer');
  const script = path.join(DIST, 'common/src/healthcheck.js');
  try {
    const port = new URL(consumer.url).port;
    await run(process.execPath, [script], { env: { ...process.env, PORT: port } });
    await consumer.stop();
    await assert.rejects(run(process.execPath, [script], { env: { ...process.env, PORT: port } }), { code: 1 });
  } finally {
    await consumer.stop();
  }
});

test("the load profile's generator posts LOAD_RATE × LOAD_SECONDS jobs, then stops", async () => {
  const lab = await startLab();
  try {
    const { stdout } = await run(process.execPath, [path.join(DIST, 'producer/src/load-generator.js')], {
      env: { ...process.env, TARGET_URL: lab.producer.url, LOAD_RATE: '20', LOAD_SECONDS: '1' },
      timeout: 15_000,
    });
    const summary = JSON.parse(stdout.trim().split('\n').at(-1)!);
    assert.equal(summary.done, true);
    assert.equal(summary.sent, 20);
    assert.equal(summary.accepted, 20);
    const status = await lab.producer.get('/status');
    assert.ok(status.accounting.produced >= 20, `the producer counted them: ${JSON.stringify(status.accounting)}`);
  } finally {
    await lab.stop();
  }
});
