import Docker from 'dockerode';
import { execa } from 'execa';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A Docker Swarm of two engines on this one machine, for the swarm grading
 * tests. Each node is a dockerd in a network namespace of its own, joined to
 * a bridge by a veth pair, with its own data root, exec root, socket,
 * address pool and cgroup parent (so that a node can be killed whole, as a
 * host that dies). Each dockerd also runs in a mount namespace of its own in
 * which /run/docker.sock is its own socket: containers that mount the
 * engine's socket at the usual path reach the node they run on.
 *
 * Everything is named with one prefix, and `destroy` removes every trace of
 * it (processes, mounts, data, namespaces, links, iptables rules, cgroups)
 * whether or not `create` got to the end: it is safe to call at any time,
 * any number of times.
 */
export interface SwarmNode {
  name: string;
  address: string;
  socket: string;
  docker: Docker;
  /** DOCKER_HOST for the CLI. */
  dockerHost: string;
}

const PREFIX = 'dlsw';
const BRIDGE = `${PREFIX}-br`;
const SUBNET = '10.241.7';
const ROOT = '/var/lib/docklab-test-swarm';
const RUN_ROOT = '/run/dlsw';
const CGROUP_ROOT = '/sys/fs/cgroup';
const MTU = 1400;

const NODES = [
  { name: `${PREFIX}-a`, host: 11, pool: '10.242.0.0/16' },
  { name: `${PREFIX}-b`, host: 12, pool: '10.243.0.0/16' },
];
/** Overlay networks the swarm makes (ingress among them) come from here, clear of the machine's own. */
const SWARM_POOL = '10.244.0.0/16';

const sh = (command: string, args: string[]) => execa(command, args, { reject: false });
const must = async (command: string, args: string[]) => {
  const result = await execa(command, args, { reject: false });
  if (result.exitCode !== 0) throw new Error(`${command} ${args.join(' ')}: ${result.stderr || result.stdout}`);
  return result.stdout;
};

function paths(name: string) {
  const run = join(RUN_ROOT, name);
  return {
    data: join(ROOT, name),
    run,
    exec: join(run, 'x'),
    socket: join(run, 'docker.sock'),
    pidfile: join(run, 'dockerd.pid'),
    log: join(ROOT, `${name}.log`),
  };
}

function nodeOf(spec: (typeof NODES)[number]): SwarmNode {
  const { socket } = paths(spec.name);
  return { name: spec.name, address: `${SUBNET}.${spec.host}`, socket, docker: new Docker({ socketPath: socket }), dockerHost: `unix://${socket}` };
}

export class TwoNodeSwarm {
  readonly nodes: SwarmNode[] = NODES.map(nodeOf);

  get manager(): SwarmNode {
    return this.nodes[0]!;
  }

  get worker(): SwarmNode {
    return this.nodes[1]!;
  }

  /** Network, engines, then the swarm: manager first, the worker joined to it. */
  async create(): Promise<void> {
    await this.destroy();
    await this.network();
    for (const spec of NODES) await this.startEngine(spec.name);
    const manager = this.manager.docker;
    await manager.swarmInit({
      ListenAddr: `${this.manager.address}:2377`,
      AdvertiseAddr: this.manager.address,
      DefaultAddrPool: [SWARM_POOL],
      SubnetSize: 24,
      // A dead node is noticed within seconds, not the default quarter minute.
      Spec: { Dispatcher: { HeartbeatPeriod: 1_000_000_000 }, Orchestration: { TaskHistoryRetentionLimit: 2 } },
    });
    const tokens = ((await manager.swarmInspect()) as { JoinTokens: { Worker: string } }).JoinTokens;
    await this.worker.docker.swarmJoin({
      ListenAddr: `${this.worker.address}:2377`,
      AdvertiseAddr: this.worker.address,
      RemoteAddrs: [`${this.manager.address}:2377`],
      JoinToken: tokens.Worker,
    });
    await this.waitForNodes(2);
  }

  private async network(): Promise<void> {
    await must('ip', ['link', 'add', BRIDGE, 'type', 'bridge']);
    await must('ip', ['addr', 'add', `${SUBNET}.1/24`, 'dev', BRIDGE]);
    await must('ip', ['link', 'set', BRIDGE, 'mtu', String(MTU), 'up']);
    for (const spec of NODES) {
      const hostSide = `${spec.name}-h`;
      await must('ip', ['netns', 'add', spec.name]);
      await must('ip', ['link', 'add', hostSide, 'mtu', String(MTU), 'type', 'veth', 'peer', 'name', 'eth0', 'netns', spec.name]);
      await must('ip', ['link', 'set', hostSide, 'master', BRIDGE, 'up']);
      const inNs = (...args: string[]) => must('ip', ['-n', spec.name, ...args]);
      await inNs('link', 'set', 'lo', 'up');
      await inNs('addr', 'add', `${SUBNET}.${spec.host}/24`, 'dev', 'eth0');
      await inNs('link', 'set', 'eth0', 'up');
      await inNs('route', 'add', 'default', 'via', `${SUBNET}.1`);
    }
    // Bridged and routed traffic of the nodes passes the host's FORWARD chain (its policy drops);
    // builds on the nodes reach the package mirrors through the host's address.
    for (const rule of iptablesRules()) await must('iptables', [...rule.table, '-I', ...rule.spec]);
  }

  /** dockerd for one node, in its network namespace and a mount namespace of its own; returns once it answers. */
  async startEngine(name: string): Promise<void> {
    const spec = NODES.find((n) => n.name === name)!;
    const p = paths(name);
    mkdirSync(p.data, { recursive: true });
    mkdirSync(p.exec, { recursive: true });
    const dockerd = [
      'dockerd',
      `--data-root=${p.data}`,
      `--exec-root=${p.exec}`,
      `--pidfile=${p.pidfile}`,
      `-H=unix://${p.socket}`,
      `--default-address-pool=base=${spec.pool},size=24`,
      `--cgroup-parent=/${name}`,
      `--mtu=${MTU}`,
      '--iptables=true',
    ].join(' ');
    // The node's socket takes the place of /run/docker.sock for this dockerd and its containers only.
    // A node killed before leaves its socket behind: bound in place of /run/docker.sock before dockerd replaces it,
    // containers would get the dead one.
    rmSync(p.socket, { force: true });
    const script = `${dockerd} & d=$!; trap 'kill -TERM $d' TERM INT; i=0; while [ ! -S ${p.socket} ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done; [ -e /run/docker.sock ] && mount --bind ${p.socket} /run/docker.sock; wait $d`;
    const log = openSync(p.log, 'a');
    const child = spawn('unshare', ['--mount', '--propagation', 'slave', 'nsenter', `--net=/run/netns/${name}`, 'sh', '-c', script], {
      detached: true,
      stdio: ['ignore', log, log],
    });
    child.unref();
    const docker = new Docker({ socketPath: p.socket });
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (
        await docker.ping().then(
          () => true,
          () => false,
        )
      )
        return;
      if (Date.now() > deadline) {
        const tail = readFileSync(p.log, 'utf8').trim().split('\n').slice(-15).join('\n');
        throw new Error(`dockerd of ${name} did not answer within 60 s; the end of its log (${p.log}):\n${tail}`);
      }
      await new Promise((r) => setTimeout(r, 300));
    }
  }

  /** Every process of a node dies at once, as on a host that lost power: engine, containerd, shims and containers. */
  async kill(name: string): Promise<void> {
    for (let round = 0; round < 5; round++) {
      const pids = nodePids(name);
      if (pids.length === 0) return;
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone already
        }
      }
      await new Promise((r) => setTimeout(r, 300));
    }
  }

  async waitForNodes(ready: number, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const nodes = (await this.manager.docker.listNodes()) as Array<{ Status: { State: string } }>;
      if (nodes.filter((n) => n.Status.State === 'ready').length >= ready) return;
      if (Date.now() > deadline) throw new Error(`the swarm has not ${ready} ready nodes after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  /**
   * Copies images from the machine's engine into every node: `docker save` once (layers the images
   * share are written once), then `docker load` on the nodes side by side.
   */
  async loadImages(refs: string[], nodes: SwarmNode[] = this.nodes): Promise<void> {
    mkdirSync(ROOT, { recursive: true });
    const archive = join(ROOT, 'images.tar');
    try {
      await must('docker', ['save', '-o', archive, ...refs]);
      await Promise.all(nodes.map((node) => must('bash', ['-c', `DOCKER_HOST=${node.dockerHost} docker load -q -i ${archive}`])));
    } finally {
      rmSync(archive, { force: true });
    }
  }

  /** Removes every trace of the cluster; safe at any time and any number of times. */
  async destroy(): Promise<void> {
    for (const spec of NODES) {
      await this.stopEngine(spec.name);
      await this.kill(spec.name);
      removeCgroups(spec.name);
    }
    for (const spec of NODES) await sh('ip', ['netns', 'del', spec.name]);
    await sh('ip', ['link', 'del', BRIDGE]);
    for (const rule of iptablesRules()) {
      // -C succeeds while the rule is there; a rule inserted twice is deleted twice.
      for (let i = 0; i < 5 && (await sh('iptables', [...rule.table, '-C', ...rule.spec])).exitCode === 0; i++) {
        await sh('iptables', [...rule.table, '-D', ...rule.spec]);
      }
    }
    // Mounts lived in the nodes' own mount namespaces and went with their last process.
    rmSync(ROOT, { recursive: true, force: true });
    rmSync(RUN_ROOT, { recursive: true, force: true });
  }

  /** SIGTERM first so that dockerd stops its containers and unmounts; the kill that follows takes what is left. */
  private async stopEngine(name: string): Promise<void> {
    const { pidfile } = paths(name);
    let pid: number | undefined;
    try {
      pid = Number(readFileSync(pidfile, 'utf8').trim());
      process.kill(pid, 'SIGTERM');
    } catch {
      return;
    }
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && existsSync(`/proc/${pid}`)) await new Promise((r) => setTimeout(r, 200));
  }

  /** What is left on a node that docklab labelled, and every container, to assert that nothing is. */
  async leftovers(node: SwarmNode): Promise<string[]> {
    const docker = node.docker;
    const labelled = JSON.stringify({ label: ['io.docklab=true'] });
    const [containers, networks, volumes, images, services, configs] = await Promise.all([
      docker.listContainers({ all: true }),
      docker.listNetworks({ filters: labelled }),
      docker.listVolumes({ filters: labelled }),
      docker.listImages({ filters: labelled }),
      node === this.manager ? docker.listServices() : Promise.resolve([]),
      node === this.manager ? docker.listConfigs() : Promise.resolve([]),
    ]);
    return [
      ...containers.map((c) => `container ${c.Names[0]} (${c.Image})`),
      ...(networks as Array<{ Name: string }>).map((n) => `network ${n.Name}`),
      ...(volumes.Volumes ?? []).map((v) => `volume ${v.Name}`),
      // Images docklab built for a run carry a run label; the grader image and stand-ins do not.
      ...images.filter((i) => i.Labels?.['io.docklab.run']).map((i) => `image ${i.RepoTags?.join(',') || i.Id}`),
      ...(services as Array<{ Spec: { Name: string } }>).map((s) => `service ${s.Spec.Name}`),
      ...(configs as Array<{ Spec: { Name: string } }>).map((c) => `config ${c.Spec.Name}`),
    ];
  }
}

function iptablesRules(): Array<{ table: string[]; spec: string[] }> {
  return [
    { table: [], spec: ['FORWARD', '-i', BRIDGE, '-j', 'ACCEPT'] },
    { table: [], spec: ['FORWARD', '-o', BRIDGE, '-j', 'ACCEPT'] },
    { table: ['-t', 'nat'], spec: ['POSTROUTING', '-s', `${SUBNET}.0/24`, '!', '-o', BRIDGE, '-j', 'MASQUERADE'] },
  ];
}

/** Processes of a node: those in its network namespace (engine, containerd, shims, host-network containers) and in its cgroups. */
function nodePids(name: string): number[] {
  const pids = new Set<number>();
  let nsInode: number | undefined;
  try {
    nsInode = statSync(`/run/netns/${name}`).ino;
  } catch {
    // no namespace: only the cgroups can hold anything
  }
  if (nsInode !== undefined) {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
      try {
        const link = readlinkSync(`/proc/${entry}/ns/net`);
        if (link === `net:[${nsInode}]`) pids.add(Number(entry));
      } catch {
        // gone meanwhile
      }
    }
  }
  for (const dir of cgroupDirs(name)) {
    try {
      for (const line of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n')) if (line.trim()) pids.add(Number(line));
    } catch {
      // removed meanwhile
    }
  }
  return [...pids];
}

/** The node's cgroup folders in every hierarchy, deepest first. */
function cgroupDirs(name: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    let entries: string[] = [];
    try {
      entries = readdirSync(dir, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name);
    } catch {
      return;
    }
    for (const entry of entries) walk(join(dir, entry));
    found.push(dir);
  };
  let controllers: string[] = [];
  try {
    controllers = readdirSync(CGROUP_ROOT);
  } catch {
    return [];
  }
  for (const controller of controllers) {
    const dir = join(CGROUP_ROOT, controller, name);
    if (existsSync(dir)) walk(dir);
  }
  return found;
}

function removeCgroups(name: string): void {
  for (const dir of cgroupDirs(name)) {
    try {
      rmdirSync(dir);
    } catch {
      // still has a process (killed ones take a moment) or already gone
    }
  }
}
