import { containerName, defineLab, fail, findContainer, followLogs, pass, readLogs, waitUntil } from '../../src/lab-kit/index.js';

const NAME = 'log-demo';
const STARTUP = /started/i;
const WRITER = `docker run -d --name ${NAME} busybox sh -c 'echo "${NAME} started"; while true; do date; echo oops >&2; sleep 1; done'`;

export default defineLab({
  title: 'Watch a container with docker logs',
  summary: 'Run a container that writes to stdout and stderr, and follow its output with docker logs.',
  images: ['busybox:latest'],
  evidence: 'state',
  checks: [
    {
      id: 'container-running',
      title: `A container named ${NAME} is running`,
      run: async (ctx) => {
        const info = await findContainer(ctx, NAME);
        if (!info) return fail(`a container named ${NAME}`, 'none', `start one in the background that keeps writing, e.g. ${WRITER}`);
        if (!info.State.Running)
          return fail(
            `${NAME} running`,
            `it is ${info.State.Status} (exit code ${info.State.ExitCode})`,
            'its command must keep running (a loop that writes a line and sleeps); `docker logs` still shows what it wrote before it stopped',
          );
        return pass(`${containerName(info)} (${info.Config.Image}) running since ${info.State.StartedAt}`);
      },
    },
    {
      id: 'startup-line',
      title: 'Its logs can be read and open with its startup line',
      dependsOn: ['container-running'],
      timeoutMs: 20_000,
      run: async (ctx) => {
        const info = (await findContainer(ctx, NAME))!;
        const logs = await waitUntil(
          {
            expected: 'log lines',
            hint: `the container must write to its standard output; docker logs shows nothing else (files inside the container are not logs)`,
            attempt: async () => {
              const read = await readLogs(ctx.docker, info.Id);
              return read.all.length ? { ok: true, value: read } : { ok: false, seen: 'an empty log' };
            },
          },
          { timeoutMs: 8_000 },
        );
        // stdout and stderr are separate pipes, so their lines may interleave
        // in either order: the startup line is looked for among the first
        // lines of stdout (of the one merged stream with a terminal).
        const opening = (logs.tty || logs.stdout.length === 0 ? logs.all : logs.stdout).slice(0, 3);
        const first = opening.find((l) => STARTUP.test(l));
        if (!first) {
          return fail(
            `a startup line (containing "started") among the first lines of its output`,
            `first lines: ${opening.map((l) => JSON.stringify(l.slice(0, 80))).join(', ')}`,
            `make the container's command print a line such as "${NAME} started" to stdout before anything else`,
            logs.all.slice(0, 5),
          );
        }
        return pass(`${logs.all.length} lines so far; startup line: ${JSON.stringify(first)}`);
      },
    },
    {
      id: 'two-streams',
      title: 'Its logs hold lines on stdout and on stderr, told apart',
      dependsOn: ['startup-line'],
      timeoutMs: 20_000,
      run: async (ctx) => {
        const info = (await findContainer(ctx, NAME))!;
        if (info.Config.Tty) {
          return fail(
            'stdout and stderr kept apart',
            'the container has a terminal (-t): its logs are one merged stream',
            `start it without -t: a terminal merges stderr into stdout, so \`docker logs ${NAME} 2>/dev/null\` can no longer hide the errors`,
          );
        }
        const logs = await waitUntil(
          {
            expected: 'at least one line on each stream',
            hint: `write something to stderr too (in sh: echo text >&2)`,
            attempt: async () => {
              const read = await readLogs(ctx.docker, info.Id);
              return read.stdout.length && read.stderr.length
                ? { ok: true, value: read }
                : { ok: false, seen: `${read.stdout.length} lines on stdout, ${read.stderr.length} on stderr` };
            },
          },
          { timeoutMs: 8_000 },
        );
        return pass(
          `${logs.stdout.length} on stdout (last ${JSON.stringify(logs.stdout.at(-1))}), ${logs.stderr.length} on stderr (last ${JSON.stringify(logs.stderr.at(-1))})`,
        );
      },
    },
    {
      id: 'follow-new-lines',
      title: 'Following its logs (--follow --since --tail) shows new lines as they are written',
      dependsOn: ['container-running'],
      timeoutMs: 30_000,
      run: async (ctx) => {
        const info = (await findContainer(ctx, NAME))!;
        const startedFollowing = Date.now() / 1000;
        const history = (l: { time?: number }) => ((l.time ?? 0) / 1000 > startedFollowing ? 'new' : 'before');
        // Like `docker logs -f --since 5s --tail 3`: a little history, then what comes.
        const lines = await followLogs(ctx.docker, info.Id, {
          since: Math.floor(startedFollowing) - 5,
          tail: 3,
          timeoutMs: 8_000,
          until: (seen) => seen.filter((l) => (l.time ?? 0) / 1000 > startedFollowing).length >= 4,
        });
        for (const line of lines) ctx.log(`[${line.stream}, ${history(line)}] ${line.text}`);
        const fresh = lines.filter((l) => (l.time ?? 0) / 1000 > startedFollowing);
        if (lines.length === 0 || fresh.length === 0) {
          return fail(
            'new log lines while following for 8 s',
            lines.length ? `only earlier lines: ${lines.map((l) => JSON.stringify(l.text)).join(', ')}` : 'nothing',
            'a container worth following keeps writing: make its command loop (print a line, sleep 1, again); `docker logs -f` then shows each line as it comes',
          );
        }
        const out = lines.filter((l) => l.stream === 'stdout').length;
        const err = lines.filter((l) => l.stream === 'stderr').length;
        return pass(
          `${lines.length - fresh.length} earlier and ${fresh.length} new lines while following (${out} stdout, ${err} stderr${lines.some((l) => l.stream === 'tty') ? ', merged by a terminal' : ''})`,
          lines.map((l) => `[${l.stream}, ${history(l)}] ${l.text}`),
        );
      },
    },
  ],
});
