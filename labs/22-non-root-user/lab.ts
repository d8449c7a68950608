import {
  CheckFailure,
  defineLab,
  fail,
  imageBuildsCheck,
  pass,
  passWith,
  serveApp,
  type Check,
  type CheckContext,
  type ServesOptions,
  type ServingContainer,
} from '../../src/lab-kit/index.js';

const IMAGE = 'non-root-app';
const imageBuilds = imageBuildsCheck({ image: IMAGE });
const SERVES: ServesOptions = { image: imageBuilds, containerPort: 3000, body: 'Hello World', app: 'the Express app' };

/** "", "root", "0", "0:0", "root:root": all mean root. */
function isRoot(user: string): boolean {
  const name = user.split(':')[0]!.trim();
  return name === '' || name === 'root' || name === '0';
}

async function configuredUser(ctx: CheckContext): Promise<string> {
  const image = await ctx.docker.getImage(ctx.get(imageBuilds).ref).inspect();
  return image.Config?.User ?? '';
}

/** Starts the app as the image's user; hands on the container for the look inside it. */
const appAnswers: Check<ServingContainer> = {
  id: 'app-answers',
  title: 'The app still answers "Hello World" on port 3000',
  dependsOn: [imageBuilds],
  timeoutMs: 60_000,
  run: async (ctx) => {
    try {
      const { answer, serving } = await serveApp(ctx, SERVES);
      return passWith(serving, `HTTP ${answer.status} ${JSON.stringify(answer.body.trim().slice(0, 40))}`);
    } catch (error) {
      if (!(error instanceof CheckFailure)) throw error;
      const denied = error.details.find((l) => /permission denied|operation not permitted/i.test(l)) ?? error.details.find((l) => /EACCES/.test(l));
      if (!denied) throw error;
      const user = await configuredUser(ctx);
      throw new CheckFailure(
        error.expected,
        `the app stopped: ${denied.trim()}`,
        `the user ${user || 'root'} cannot read the app's files: files copied in belong to root unless you say otherwise; make them readable by the user (COPY --chown=USER:GROUP, or chmod so others may read) while keeping them out of its reach for writing`,
        error.details,
      );
    }
  },
};

export default defineLab({
  title: 'Run as a non-root user',
  summary: 'Make a Node.js image create a user of its own and run the app as that user.',
  images: ['node:18'],
  evidence: 'files',
  requiredFiles: ['Dockerfile', 'index.js', 'package.json'],
  templates: ['node-hello'],
  checks: [
    imageBuilds,
    {
      id: 'configured-user',
      title: "The image's configured user is not root",
      dependsOn: [imageBuilds],
      run: async (ctx) => {
        const user = await configuredUser(ctx);
        if (isRoot(user)) {
          return fail(
            'a USER other than root in the image configuration',
            user ? `USER ${user}` : 'no USER: containers run as root',
            'create a user in a RUN step (useradd/adduser) and switch to it with a USER instruction after the steps that need root',
          );
        }
        return pass(`USER ${user}`);
      },
    },
    appAnswers,
    {
      id: 'runs-unprivileged',
      title: 'Inside the running container `id -u` is not 0, nor is the app process root',
      dependsOn: [appAnswers],
      run: async (ctx) => {
        const { id } = ctx.get(appAnswers);
        const who = await ctx.exec(id, ['id', '-u']);
        const uid = who.stdout.trim();
        const status = await ctx.exec(id, ['cat', '/proc/1/status']);
        const processUid = /^Uid:\s+(\d+)/m.exec(status.stdout)?.[1];
        if (who.exitCode !== 0 || uid === '') {
          return fail(
            '`id -u` to answer with a user id',
            `exit ${who.exitCode}: ${(who.stderr || who.stdout).trim().slice(0, 120)}`,
            'the image needs the id command (coreutils) for this check',
          );
        }
        if (uid === '0' || processUid === '0') {
          return fail(
            'a user id other than 0',
            `id -u: ${uid}; the app process (PID 1) runs as uid ${processUid ?? '?'}`,
            'USER must come before CMD and must name a user other than root',
          );
        }
        return pass(`id -u: ${uid}; the app process (PID 1) runs as uid ${processUid ?? '?'}`);
      },
    },
  ],
});
