import type Docker from 'dockerode';
import {
  CheckFailure,
  defineLab,
  fail,
  imageBuildsCheckRetrying,
  pass,
  passWith,
  Wait,
  waitFor,
  waitForHttp,
  type Check,
  type CheckContext,
} from '../../src/lab-kit/index.js';

const IMAGE = 'health-app';
const PORT = 3000;
/** The longest interval × retries docklab waits for; the engine's defaults (30 s × 3) are longer. */
const MAX_WAIT_S = 60;

interface Timing {
  test: string[];
  intervalS: number;
  timeoutS: number;
  startPeriodS: number;
  retries: number;
}

/** The engine's health check defaults, for what the image leaves unset (durations are in ns). */
function timing(check: NonNullable<Docker.ImageInspectInfo['Config']['Healthcheck']>): Timing {
  const s = (ns: number | undefined, fallback: number) => (ns ? ns / 1e9 : fallback);
  return {
    test: check.Test ?? [],
    intervalS: s(check.Interval, 30),
    timeoutS: s(check.Timeout, 30),
    startPeriodS: s(check.StartPeriod, 0),
    retries: check.Retries || 3,
  };
}

function describeTest(test: string[]): string {
  if (test[0] === 'CMD-SHELL') return test.slice(1).join(' ');
  if (test[0] === 'CMD') return JSON.stringify(test.slice(1));
  return JSON.stringify(test);
}

type HealthLog = NonNullable<Docker.ContainerInspectInfo['State']['Health']>['Log'];

function healthLog(log: HealthLog | undefined, last = 5): string[] {
  return (log ?? []).slice(-last).map((entry) => `${entry.Start.slice(11, 23)} exit ${entry.ExitCode}: ${JSON.stringify(entry.Output.trim().slice(0, 160))}`);
}

/** The program a health check could not run, from the shell's or the engine's words ("curl: not found"). */
function missingTool(output: string): string | undefined {
  return (/([\w.-]+): not found/.exec(output) ?? /exec: "([^"]+)": executable file not found/.exec(output))?.[1];
}

async function inspect(ctx: CheckContext, id: string) {
  return ctx.docker.getContainer(id).inspect();
}

/** What health-route hands on: the app's container and where it answers. */
interface AppContainer {
  id: string;
  url: string;
}

const imageBuilds = imageBuildsCheckRetrying({ image: IMAGE });

/** Reads the image's health check; hands on its timing for the waits that follow. */
const healthcheckDefined: Check<Timing> = {
  id: 'healthcheck-defined',
  title: 'The image has a health check with a short enough interval',
  dependsOn: [imageBuilds],
  run: async (ctx) => {
    const image = await ctx.docker.getImage(ctx.get(imageBuilds).ref).inspect();
    const check = image.Config.Healthcheck;
    if (!check?.Test?.length || check.Test[0] === 'NONE') {
      return fail(
        'a HEALTHCHECK instruction in the Dockerfile',
        check?.Test?.[0] === 'NONE' ? 'HEALTHCHECK NONE' : 'no health check in the image',
        'add HEALTHCHECK --interval=... CMD ... to the Dockerfile: a command that exits 0 when GET /health answers 200',
      );
    }
    const t = timing(check);
    const said = `${describeTest(t.test)} every ${t.intervalS} s, timeout ${t.timeoutS} s, ${t.retries} retries, start period ${t.startPeriodS} s`;
    if (t.intervalS * t.retries > MAX_WAIT_S) {
      return fail(
        `interval × retries of at most ${MAX_WAIT_S} s, so that a failure shows soon`,
        said,
        'set --interval (and --retries) on the HEALTHCHECK line: the defaults (30 s × 3) make a failure take a minute and a half to show',
      );
    }
    return passWith(t, said);
  },
};

/** Starts the app; hands on its container and URL. */
const healthRoute: Check<AppContainer> = {
  id: 'health-route',
  title: `GET /health answers 200 on port ${PORT}`,
  dependsOn: [healthcheckDefined],
  timeoutMs: 60_000,
  run: async (ctx) => {
    const container = await ctx.runContainer({ name: IMAGE, image: ctx.get(imageBuilds).ref, ports: { [PORT]: 0 } });
    const url = `http://127.0.0.1:${await ctx.hostPort(container.id, String(PORT))}`;
    const answer = await waitForHttp(
      ctx,
      `${url}/health`,
      { status: 200 },
      `the app must listen on all addresses on port ${PORT} and answer GET /health with 200`,
      { containerId: container.id },
    );
    return passWith({ id: container.id, url }, `HTTP ${answer.status} ${JSON.stringify(answer.body.trim().slice(0, 60))}`);
  },
};

export default defineLab({
  title: 'A health check for a Node.js app',
  summary: 'Give a Node app a HEALTHCHECK that asks its /health route, and watch it turn healthy and unhealthy.',
  images: ['node:18-slim'],
  evidence: 'files',
  requiredFiles: ['Dockerfile', 'index.js', 'package.json'],
  templates: ['node-health'],
  checks: [
    imageBuilds,
    healthcheckDefined,
    healthRoute,
    {
      id: 'becomes-healthy',
      title: 'The engine reports the container healthy',
      dependsOn: [healthRoute, healthcheckDefined],
      timeoutMs: 150_000,
      run: async (ctx) => {
        const t = ctx.get(healthcheckDefined);
        const { id, url } = ctx.get(healthRoute);
        const limitMs = (t.startPeriodS + t.intervalS * (t.retries + 1) + t.timeoutS) * 1000 + 5_000;
        const started = Date.now();
        const healthy = Wait.until<Docker.ContainerInspectInfo['State']>(`health status healthy within ${Math.round(limitMs / 1000)} s`, async () => {
          const info = await inspect(ctx, id);
          const health = info.State.Health;
          if (!health) return { ok: false, seen: 'no health status' };
          if (health.Status === 'healthy') return { ok: true, value: info.State };
          const last = health.Log?.[health.Log.length - 1];
          const seen = `${health.Status}${last ? `, last probe exit ${last.ExitCode}: ${JSON.stringify(last.Output.trim().slice(0, 160))}` : ''}`;
          if (health.Status === 'unhealthy') {
            // The probe gave up while the app itself answers: the probe is what is wrong.
            const direct = await ctx.http(`${url}/health`);
            if (direct.status === 200) {
              const missing = missingTool(last?.Output ?? '');
              const hint = missing
                ? `the health check runs ${missing}, which this image does not have (slim images have neither curl nor wget): install it in the Dockerfile, build FROM the full image (node:18), or probe with node itself`
                : `the health check fails although the app is well: its last output was ${JSON.stringify(last?.Output.trim().slice(0, 160) ?? '')}. Does it ask the right port (${PORT}) and path, with a tool the image has?`;
              throw new CheckFailure('health status healthy', `${seen}, while GET /health from outside answers 200`, hint, healthLog(health.Log));
            }
          }
          return { ok: false, seen };
        })
          .withStartupTimeout(limitMs)
          .withInterval(500)
          // Timed out or stopped: the probe's own last output says why it never passed.
          .diagnose(async () => {
            const health = (await inspect(ctx, id)).State.Health;
            const last = health?.Log?.[health.Log.length - 1];
            return {
              hint: `the health check never passed; its last output was ${JSON.stringify(last?.Output.trim().slice(0, 160) ?? '')}`,
              details: healthLog(health?.Log),
            };
          });
        const state = await waitFor(ctx, healthy, id);
        return pass(
          `healthy after ${((Date.now() - started) / 1000).toFixed(1)} s (${state.Health?.Log?.length ?? 0} probes)`,
          healthLog(state.Health?.Log, 3),
        );
      },
    },
    {
      id: 'becomes-unhealthy',
      title: 'When /health fails, the container turns unhealthy within interval × retries',
      dependsOn: ['becomes-healthy', healthRoute, healthcheckDefined],
      timeoutMs: 150_000,
      run: async (ctx) => {
        const t = ctx.get(healthcheckDefined);
        const { id, url } = ctx.get(healthRoute);
        const answer = await ctx.http(`${url}/health/fail`, { method: 'POST' });
        if (answer.status !== 200)
          return fail(
            'POST /health/fail to answer 200 (the app given with the lab has this route)',
            `HTTP ${answer.status} ${answer.body.slice(0, 80)}`,
            'keep the route POST /health/fail of the index.js given with the lab: docklab uses it to make the health route fail',
          );
        const after = await ctx.http(`${url}/health`);
        if (after.status === 200)
          return fail(
            'GET /health to answer an error after POST /health/fail',
            `HTTP ${after.status}`,
            "keep the app's /health route as given: it answers 503 once told to fail",
          );
        const started = Date.now();
        // Probes come every interval; the first failing one may come up to one interval late, and each may run up to its timeout.
        const limitS = t.intervalS * (t.retries + 1) + t.timeoutS * t.retries;
        const unhealthy = Wait.until<NonNullable<Docker.ContainerInspectInfo['State']['Health']>>(
          `health status unhealthy within ${limitS} s of /health failing (${t.retries} failed probes ${t.intervalS} s apart, each allowed ${t.timeoutS} s, plus one interval before the first)`,
          async () => {
            const health = (await inspect(ctx, id)).State.Health;
            if (health?.Status === 'unhealthy') return { ok: true, value: health };
            const last = health?.Log?.[health.Log.length - 1];
            return {
              ok: false,
              seen: `${health?.Status ?? 'no status'}${last ? `, last probe exit ${last.ExitCode}: ${JSON.stringify(last.Output.trim().slice(0, 120))}` : ''}`,
            };
          },
        )
          .withStartupTimeout(limitS * 1000)
          .withInterval(250)
          .diagnose(async () => ({
            hint: 'the health check does not look at the app: it stayed healthy while GET /health answered 503. Its command must fail when /health does not answer 200',
            details: healthLog((await inspect(ctx, id)).State.Health?.Log, 6),
          }));
        const state = await waitFor(ctx, unhealthy);
        const elapsed = (Date.now() - started) / 1000;
        return pass(
          `unhealthy ${elapsed.toFixed(1)} s after /health began to fail (interval ${t.intervalS} s × retries ${t.retries} = ${t.intervalS * t.retries} s); health log:`,
          healthLog(state.Log, 6),
        );
      },
    },
  ],
});
