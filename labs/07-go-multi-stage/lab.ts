import {
  containerPathExists,
  defineLab,
  dockerfileStages,
  fail,
  findInContainer,
  formatBytes,
  imageBuildsCheck,
  pass,
  readDockerfile,
  waitUntil,
  type BuildResult,
  type CheckContext,
} from '../../src/lab-kit/index.js';

const IMAGE = 'go-hello';
const MAX_BYTES = 20 * 1024 * 1024;
/** Where Go images keep the toolchain (the official layout and Debian's). */
const TOOLCHAIN_PATHS = ['/usr/local/go/bin/go', '/usr/lib/go/bin/go', '/usr/lib/go-1.19/bin/go', '/usr/bin/go', '/usr/local/bin/go'];
const MULTI_STAGE_HINT =
  'use a multi-stage build: compile in a first stage `FROM golang:1.19 AS build`, then start a final stage `FROM scratch` (or a small base) and `COPY --from=build` only the binary';

const imageBuilds = imageBuildsCheck({ image: IMAGE });

function imageRef(ctx: CheckContext): string {
  return ctx.get(imageBuilds).ref;
}

/** A created, never started container from the image: the archive API reads its files even for FROM scratch. */
async function inspectionContainer(ctx: CheckContext): Promise<string> {
  const container = await ctx.runContainer({ name: 'inspect', image: imageRef(ctx), start: false, cmd: ['/no-such-command'] });
  return container.id;
}

/** The image the build stage ended with, read from the legacy builder's output ("---> <id>" before the final FROM); BuildKit keeps no image per stage, so then none. */
async function builderStageSize(ctx: CheckContext, build: BuildResult): Promise<number | undefined> {
  if (build.builder !== 'legacy') return undefined;
  const fromSteps = build.steps.map((s, i) => ({ s, i })).filter(({ s }) => s.keyword === 'FROM');
  const finalFrom = fromSteps[fromSteps.length - 1];
  if (!finalFrom || finalFrom.i === 0) return undefined;
  const before = build.steps[finalFrom.i - 1]!;
  const id = [...before.output]
    .reverse()
    .map((l) => /^\s*---> ([0-9a-f]{12,64})\s*$/.exec(l)?.[1])
    .find(Boolean);
  if (!id) return undefined;
  const info = await ctx.docker
    .getImage(id)
    .inspect()
    .catch(() => undefined);
  return info?.Size;
}

export default defineLab({
  title: 'A Go program in a multi-stage build',
  summary: 'Compile a Go "Hello Docker" program in one stage and ship only the binary in a small final image.',
  images: ['golang:1.19'],
  evidence: 'files',
  requiredFiles: ['Dockerfile', 'main.go'],
  checks: [
    imageBuilds,
    {
      id: 'multi-stage',
      title: 'The Dockerfile has a build stage and a final stage that copies from it',
      run: async (ctx) => {
        const stages = dockerfileStages(readDockerfile(ctx.sourcePath('Dockerfile')));
        if (stages.length < 2) {
          return fail(
            'at least two FROM lines: a build stage and a final stage',
            `${stages.length} stage${stages.length === 1 ? '' : 's'} (FROM ${stages.map((s) => s.base).join(', FROM ')})`,
            MULTI_STAGE_HINT,
          );
        }
        const final = stages[stages.length - 1]!;
        const copies = final.instructions.filter((i) => i.keyword === 'COPY' && /--from=/i.test(i.args));
        if (copies.length === 0) {
          return fail(
            'the final stage copies the program from an earlier stage (COPY --from=...)',
            `the final stage (line ${final.line}, FROM ${final.base}) copies nothing from another stage`,
            'a later stage starts empty of the earlier ones: bring the compiled binary over with COPY --from=<stage name> <path> <path>',
          );
        }
        return pass(
          `${stages.length} stages: ${stages.map((s) => `FROM ${s.base}${s.name ? ` AS ${s.name}` : ''}`).join(' → ')}; final copies ${copies.map((c) => c.args).join('; ')}`,
        );
      },
    },
    {
      id: 'prints-hello',
      title: 'A container from the final image prints "Hello Docker" and exits 0',
      dependsOn: [imageBuilds],
      timeoutMs: 40_000,
      run: async (ctx) => {
        const container = await ctx.runContainer({ name: 'hello', image: imageRef(ctx), start: false });
        try {
          await container.start();
        } catch (error) {
          const message = ((error as { json?: { message?: string } }).json?.message ?? (error as Error).message).split('\n')[0]!;
          return fail(
            'the container to start',
            message.slice(0, 200),
            'the start command must exist in the final image: an empty (scratch) image has no shell, so write ENTRYPOINT/CMD in the exec form with the path the binary was copied to, e.g. ENTRYPOINT ["/hello"]',
          );
        }
        const info = await waitUntil(
          {
            expected: 'the program to finish',
            hint: 'the program should print its line and end; a container that keeps running has a command that never returns',
            attempt: async () => {
              const i = await container.inspect();
              return i.State.Status === 'exited' ? { ok: true, value: i } : { ok: false, seen: `the container is ${i.State.Status}` };
            },
          },
          { timeoutMs: 20_000 },
        );
        const lines = await ctx.logTail(container.id, 20);
        if (info.State.ExitCode !== 0) {
          return fail(
            'exit code 0',
            `exit code ${info.State.ExitCode}`,
            'a binary built with cgo needs a C library that an empty image lacks: build with CGO_ENABLED=0, and check the ENTRYPOINT path',
            lines,
          );
        }
        if (!lines.some((l) => l.includes('Hello Docker'))) {
          return fail(
            'the line "Hello Docker" in its output',
            lines.length ? JSON.stringify(lines.join(' | ').slice(0, 120)) : 'no output',
            'the image should run the program itself: check ENTRYPOINT/CMD',
          );
        }
        return pass('"Hello Docker", exit 0');
      },
    },
    {
      id: 'no-toolchain',
      title: 'The final image holds no Go toolchain',
      dependsOn: [imageBuilds],
      timeoutMs: 60_000,
      run: async (ctx) => {
        const image = await ctx.docker.getImage(imageRef(ctx)).inspect();
        const hint =
          'the toolchain is needed to compile, not to run: start the final stage from `scratch` (or a small base such as busybox/distroless) instead of the Go image';
        const goEnv = (image.Config?.Env ?? []).filter((e) => /^(GOROOT|GOLANG_VERSION|GOPATH)=/.test(e));
        const id = await inspectionContainer(ctx);
        const present: string[] = [];
        for (const path of TOOLCHAIN_PATHS) if (await containerPathExists(ctx.docker, id, path)) present.push(path);
        // A small image can be read whole: look for a go binary or compiler tools anywhere.
        if (present.length === 0 && (image.Size ?? 0) < 200 * 1024 * 1024) {
          present.push(...(await findInContainer(ctx.docker, id, /(\/bin\/go$|\/pkg\/tool\/[^/]+\/compile$)/)));
        }
        if (present.length > 0) {
          return fail('no go command or compiler in the final image', `${present.join(', ')}${goEnv.length ? `; environment ${goEnv.join(' ')}` : ''}`, hint);
        }
        return pass(`no go binary or compiler found${goEnv.length ? ` (only leftover variables ${goEnv.join(' ')})` : ''}`);
      },
    },
    {
      id: 'small-image',
      title: 'The final image is at most 20 MB (size reported beside the builder stage)',
      dependsOn: [imageBuilds],
      run: async (ctx) => {
        const image = await ctx.docker.getImage(imageRef(ctx)).inspect();
        const build = ctx.get(imageBuilds);
        const builder = await builderStageSize(ctx, build);
        const beside = builder ? `; the build stage's image is ${formatBytes(builder)}` : '';
        ctx.log(`final image ${formatBytes(image.Size)}${beside}`);
        if (image.Size > MAX_BYTES) {
          return fail(`a final image of at most ${formatBytes(MAX_BYTES)}`, `${formatBytes(image.Size)}${beside}`, MULTI_STAGE_HINT);
        }
        return pass(`${formatBytes(image.Size)}${beside}`);
      },
    },
  ],
});
