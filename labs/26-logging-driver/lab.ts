import type Docker from 'dockerode';
import {
  containerName,
  defineLab,
  demuxBuffer,
  fail,
  pass,
  passWith,
  startSyslogReceiver,
  waitUntil,
  type Check,
  type CheckContext,
  type SyslogReceiver,
} from '../../src/lab-kit/index.js';

const JSON_LOGGER = 'json-logger';
const SYSLOG_LOGGER = 'syslog-logger';
const LINE = /line (\d+)/;

async function byName(ctx: CheckContext, name: string): Promise<Docker.ContainerInspectInfo> {
  const [found] = await ctx.containers({ name });
  if (!found)
    return ctx.failWith(
      `a container named ${name}`,
      'none',
      `docker run -d --name ${name} --log-driver ... busybox sh -c '...' (see the task for the command)`,
    );
  const info = await ctx.docker.getContainer(found.Id).inspect();
  if (!info.State.Running)
    return ctx.failWith(
      `${name} running`,
      `${name} is ${info.State.Status}`,
      'it must keep writing lines while docklab watches: run the loop from the task, in the background (-d)',
    );
  return info;
}

function logOptions(info: Docker.ContainerInspectInfo): { type: string; options: Record<string, string> } {
  const config = info.HostConfig.LogConfig ?? { Type: '', Config: {} };
  return { type: config.Type ?? '', options: (config.Config ?? {}) as Record<string, string> };
}

function describeOptions(options: Record<string, string>): string {
  const entries = Object.entries(options);
  return entries.length ? entries.map(([k, v]) => `${k}=${v}`).join(', ') : 'no options';
}

/** "10k", "1m", "2g" or plain bytes, as the json-file driver reads max-size. */
function sizeBytes(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([kmg]?)b?$/i.exec(text.trim());
  if (!match) return Number.NaN;
  return Number(match[1]) * 1024 ** ' kmg'.indexOf((match[2] || ' ').toLowerCase());
}

/** max-size × max-file in bytes (NaN when max-size does not read as a size). */
interface RotationLimit {
  bytes: number;
}

interface SyslogAddress {
  protocol: 'udp' | 'tcp';
  port: number;
}

async function allLogLines(ctx: CheckContext, id: string): Promise<string[]> {
  const raw: unknown = await ctx.docker.getContainer(id).logs({ stdout: true, stderr: true, follow: false });
  const text = Buffer.isBuffer(raw) ? demuxBuffer(raw).all : String(raw);
  return text.split('\n').filter(Boolean);
}

/** The json-file options found; hands on how many bytes of log they keep at most. */
const rotationOptions: Check<RotationLimit> = {
  id: 'json-file-rotation-options',
  title: `${JSON_LOGGER} logs with json-file, with max-size and max-file set`,
  run: async (ctx) => {
    const info = await byName(ctx, JSON_LOGGER);
    const { type, options } = logOptions(info);
    const said = `${containerName(info)}: driver ${type}, ${describeOptions(options)}`;
    if (type !== 'json-file')
      return fail(`the json-file log driver on ${JSON_LOGGER}`, said, "--log-driver json-file (the engine's default may be another one: docker info shows it)");
    const missing = ['max-size', 'max-file'].filter((k) => !options[k]);
    if (missing.length)
      return fail(
        'json-file with max-size and max-file',
        `${said}: no ${missing.join(' and no ')}`,
        'without them the log file grows for as long as the container runs: --log-opt max-size=1k --log-opt max-file=2',
      );
    if (!(Number(options['max-file']) >= 2))
      return fail(
        'max-file of at least 2 (one file being written, older ones kept)',
        said,
        'max-file counts the files kept, the current one included: with 1, rotation keeps nothing older',
      );
    return passWith({ bytes: sizeBytes(options['max-size']!) * Number(options['max-file']) }, said);
  },
};

/** The syslog driver found; hands on the address docklab must listen on. */
const syslogDriver: Check<SyslogAddress> = {
  id: 'syslog-driver',
  title: `${SYSLOG_LOGGER} logs with the syslog driver to a receiver on this machine`,
  run: async (ctx) => {
    const info = await byName(ctx, SYSLOG_LOGGER);
    const { type, options } = logOptions(info);
    const said = `${containerName(info)}: driver ${type}, ${describeOptions(options)}`;
    if (type !== 'syslog') return fail(`the syslog log driver on ${SYSLOG_LOGGER}`, said, '--log-driver syslog --log-opt syslog-address=udp://127.0.0.1:5514');
    const address = options['syslog-address'];
    if (!address)
      return fail(
        'a syslog-address option',
        said,
        "without syslog-address the driver writes to the host's own syslog (/dev/log), where docklab cannot watch: --log-opt syslog-address=udp://127.0.0.1:5514",
      );
    const url = new URL(address);
    const protocol = url.protocol.replace(':', '');
    if ((protocol !== 'udp' && protocol !== 'tcp') || !['127.0.0.1', 'localhost'].includes(url.hostname) || !url.port) {
      return fail(
        'syslog-address udp://127.0.0.1:PORT (or tcp://)',
        said,
        'docklab listens for the lines itself on this machine: give a udp:// address on 127.0.0.1 with a port',
      );
    }
    return passWith({ protocol, port: Number(url.port) }, said);
  },
};

export default defineLab({
  title: 'Logging drivers: json-file rotation and syslog',
  summary: "Cap a container's json-file log with rotation options, and send another container's log to syslog.",
  images: ['busybox:latest'],
  evidence: 'state',
  checks: [
    rotationOptions,
    {
      id: 'json-file-rotates',
      title: 'Rotation drops the oldest lines: docker logs keeps at most max-size × max-file',
      dependsOn: [rotationOptions],
      timeoutMs: 60_000,
      run: async (ctx) => {
        const info = await byName(ctx, JSON_LOGGER);
        const limit = ctx.get(rotationOptions).bytes;
        const result = await waitUntil(
          {
            expected: `the oldest lines gone: docker logs of ${JSON_LOGGER} starting after "line 1"`,
            hint: `the container must keep printing numbered lines ("line 1", "line 2", …) faster than the log fills: with a large max-size that takes long; use a small one for this lab (max-size=1k)`,
            attempt: async () => {
              const lines = await allLogLines(ctx, info.Id);
              const numbers = lines
                .map((l) => LINE.exec(l))
                .filter(Boolean)
                .map((m) => Number(m![1]));
              if (numbers.length === 0)
                return { ok: false, seen: lines.length ? `no numbered lines; last: ${JSON.stringify(lines[lines.length - 1])}` : 'no log lines' };
              const first = numbers[0]!;
              const last = numbers[numbers.length - 1]!;
              if (first > 1) return { ok: true, value: { first, last, lines } };
              return { ok: false, seen: `lines 1 to ${last} all still there` };
            },
          },
          { timeoutMs: 45_000, intervalMs: 500, container: { docker: ctx.docker, id: info.Id } },
        );
        const kept = result.lines.reduce((sum, l) => sum + Buffer.byteLength(l) + 1, 0);
        if (Number.isFinite(limit) && kept > limit) {
          return fail(
            `at most ${limit} bytes of log kept (max-size × max-file)`,
            `${kept} bytes`,
            'is the driver really json-file with these options? docker inspect -f "{{json .HostConfig.LogConfig}}"',
          );
        }
        return pass(
          `lines ${result.first}–${result.last} kept (${kept} bytes of text${Number.isFinite(limit) ? `, limit ${limit} bytes of log files` : ''}); lines 1–${result.first - 1} rotated away`,
        );
      },
    },
    syslogDriver,
    {
      id: 'syslog-lines-arrive',
      title: "The container's lines arrive at the syslog address",
      dependsOn: [syslogDriver],
      timeoutMs: 30_000,
      run: async (ctx) => {
        const info = await byName(ctx, SYSLOG_LOGGER);
        const { protocol, port } = ctx.get(syslogDriver);
        let receiver: SyslogReceiver;
        try {
          receiver = await startSyslogReceiver({ protocol, port });
        } catch (error) {
          return fail(
            `docklab listening on ${protocol}://127.0.0.1:${port}`,
            (error as Error).message,
            'something else holds that port (a receiver of your own?): stop it while docklab verifies, it listens there itself',
          );
        }
        try {
          const tag = info.Id.slice(0, 12);
          const messages = await waitUntil(
            {
              expected: `3 numbered lines of ${SYSLOG_LOGGER} arriving at ${protocol}://127.0.0.1:${port}`,
              hint: 'the container must keep printing lines ("line 1", "line 2", …); over tcp the engine connects only at start, so a tcp container must be started while the receiver runs: use udp',
              attempt: async () => {
                const lines = receiver.messages.filter((m) => LINE.test(m.raw));
                if (lines.length >= 3) return { ok: true, value: lines };
                return {
                  ok: false,
                  seen: receiver.messages.length
                    ? `${receiver.messages.length} messages, last: ${JSON.stringify(receiver.messages[receiver.messages.length - 1]!.raw.slice(0, 120))}`
                    : 'no messages',
                };
              },
            },
            { timeoutMs: 10_000, intervalMs: 250, container: { docker: ctx.docker, id: info.Id } },
          );
          const tagged = messages.filter((m) => m.raw.includes(tag)).length;
          return pass(
            `${messages.length} lines arrived in ${protocol.toUpperCase()} syslog messages${tagged ? `, tagged with the container ID ${tag}` : ''}`,
            messages.slice(0, 3).map((m) => m.raw.slice(0, 160)),
          );
        } finally {
          await receiver.close();
        }
      },
    },
  ],
});
