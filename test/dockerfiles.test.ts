// The one Dockerfile of the Node.js services (producer, consumer, ui; the build argument SERVICE picks
// which) checked offline (test/docker/stack.test.ts builds all three for real): dockerfile-utils
// finds no problem; no `# syntax=` line (it would pull an image); every stage is the Node.js base
// that .env names (NODE_IMAGE, node:24-slim, passed in as a build argument) or an earlier stage;
// every COPY source exists and is not excluded by .dockerignore; each service's image is
// production-only, non-root, NODE_ENV=production, with a node healthcheck and its own command.
// Then the healthcheck script and the load generator the images run, run here for real.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
/** How a Dockerfile writes a build argument's value: ${NAME}. */
const argument = (name: string) => `\${${name}}`;

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

const text = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
const { globalArgs, stages } = parseDockerfile(text);
const stageNamed = (name: string) => stages.find((s) => s.name === name);
const copiesOf = (instructions: Instruction[]) => instructions.filter((i) => i.getKeyword() === 'COPY') as Copy[];

/** The instructions of the image that `--build-arg SERVICE=<service>` makes, base stage first. */
function imageOf(service: string): Instruction[] {
  const chain: Stage[] = [];
  for (let stage = stages.at(-1); stage; ) {
    chain.unshift(stage);
    const image = stage.from.getImage()!.replace(argument('SERVICE'), service);
    stage = stageNamed(image);
  }
  return chain.flatMap((s) => s.instructions);
}

test('Dockerfile: dockerfile-utils finds no problem, and there is no # syntax= line', () => {
  assert.deepEqual(
    validate(text).map((d) => `${d.range.start.line + 1}: ${d.message}`),
    [],
  );
  assert.doesNotMatch(text, /^#\s*syntax\s*=/im);
});

test(".env's NODE_IMAGE (node:24-slim) and SERVICE are the only build arguments; every stage builds on the base or an earlier stage", () => {
  assert.equal(readEnvFile().NODE_IMAGE, 'node:24-slim');
  // No default for either: .env is the one place the base is written (compose passes it as a
  // build arg), and a build says which service it makes.
  assert.deepEqual(globalArgs, ['NODE_IMAGE', 'SERVICE']);
  assert.ok(stages.length >= 3, 'build, production dependencies, runtime');
  const seen: string[] = [];
  for (const stage of stages) {
    const image = stage.from.getImage()!;
    const last = stage === stages.at(-1);
    assert.ok(image === argument('NODE_IMAGE') || seen.includes(image) || (last && image === argument('SERVICE')), `FROM ${image}`);
    for (const copy of copiesOf(stage.instructions)) {
      const from = copy.getFromFlag()?.getValue();
      if (from) assert.ok(seen.includes(from), `COPY --from=${from} must name an earlier stage (have ${seen.join(', ')})`);
    }
    if (stage.name) seen.push(stage.name);
  }
});

test('Dockerfile: every COPY source exists in the repository and is in the build context', () => {
  const sources = copiesOf(stages.flatMap((s) => s.instructions))
    .filter((c) => !c.getFromFlag())
    .flatMap((c) =>
      c
        .getArguments()
        .slice(0, -1)
        .map((a) => a.getValue()),
    );
  for (const needed of ['package-lock.json', 'common/src', 'producer/src', 'consumer/src', 'ui/src'])
    assert.ok(sources.includes(needed), needed);
  for (const source of sources) {
    const files = filesUnder(path.join(ROOT, source)).map((f) => path.relative(ROOT, f));
    const excluded = files.filter((f) => ignored.ignores(f));
    assert.deepEqual(excluded, [], `${source}: excluded by .dockerignore`);
  }
});

for (const service of ['producer', 'consumer', 'ui']) {
  test(`SERVICE=${service}: production-only, non-root, with a node healthcheck, running dist/${service}/src/main.js`, () => {
    assert.ok(stageNamed(service), `a stage named ${service}`);
    const image = imageOf(service);
    const of = (keyword: string) => image.filter((i) => i.getKeyword() === keyword);
    assert.equal(content(of('USER').at(-1)!), 'node');
    assert.match(of('ENV').map(content).join(' '), /\bNODE_ENV=production\b/);
    assert.match(of('ENV').map(content).join(' '), /\bPORT=\d+\b/, 'the port the healthcheck asks on');
    const modulesFrom = copiesOf(image)
      .find((c) => content(c).includes('node_modules'))
      ?.getFromFlag()
      ?.getValue();
    const depsStage = modulesFrom ? stageNamed(modulesFrom) : undefined;
    assert.ok(depsStage, 'node_modules comes from a stage of its own');
    assert.match(depsStage.instructions.map(content).join('\n'), /npm ci --omit=dev/);
    assert.ok(
      stages.some((s) => s.instructions.some((i) => /npm run build/.test(content(i)))),
      'the build stage runs npm run build',
    );
    assert.equal(of('RUN').length, 0, 'the image installs nothing');

    const healthcheck = content(of('HEALTHCHECK').at(-1)!);
    const command = /CMD (\[.*\])/s.exec(healthcheck)?.[1];
    assert.ok(command, healthcheck);
    const [program, script] = JSON.parse(command);
    assert.equal(program, 'node', 'no curl in the slim image: the healthcheck is node');
    assert.deepEqual(JSON.parse(content(of('CMD').at(-1)!)), ['node', `dist/${service}/src/main.js`]);
    // Scripts the image runs are compiled from sources that exist.
    for (const js of [script, `dist/${service}/src/main.js`]) {
      assert.ok(statSync(path.join(ROOT, js.replace(/^dist\//, '').replace(/\.js$/, '.ts'))).isFile(), js);
    }
  });
}

// The build stage's `npm run build` sees only what the stage copies, filtered by .dockerignore. A new
// import of a file left out (labs/ importing scripts/) breaks the image build and nothing else: this
// compiles exactly that set here, in seconds, where the Docker stack test needs an engine.
test('the build stage compiles from exactly what it copies (its COPY sources in the build context): tsc finds every import', async () => {
  const build = stages.find((s) => s.instructions.some((i) => /npm run build/.test(content(i))));
  assert.ok(build, 'a stage runs npm run build');
  const copy = mkdtempSync(path.join(tmpdir(), 'bpl-build-stage-'));
  try {
    for (const instruction of copiesOf(build.instructions).filter((c) => !c.getFromFlag())) {
      const args = instruction.getArguments().map((a) => a.getValue());
      const destination = args.at(-1)!;
      for (const source of args.slice(0, -1)) {
        for (const file of filesUnder(path.join(ROOT, source)).map((f) => path.relative(ROOT, f))) {
          if (ignored.ignores(file)) continue;
          // COPY <dir> <dest> copies the tree into dest; COPY <file> <dir>/ puts the file into dir.
          const target = statSync(path.join(ROOT, source)).isDirectory()
            ? path.join(destination, path.relative(source, file))
            : destination.endsWith('/')
              ? path.join(destination, path.basename(file))
              : destination;
          mkdirSync(path.dirname(path.join(copy, target)), { recursive: true });
          cpSync(path.join(ROOT, file), path.join(copy, target));
        }
      }
    }
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'), 'dir');
    const tsc = path.join(ROOT, 'node_modules/typescript/bin/tsc');
    const compiled = await run(process.execPath, [tsc, '-p', 'tsconfig.json', '--noEmit'], { cwd: copy }).then(
      () => '',
      (e: { stdout?: string }) => e.stdout ?? String(e),
    );
    assert.equal(compiled, '', 'tsc in a copy of the build stage');
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
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
