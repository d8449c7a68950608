// Wall time of `docklab run N` against a shell script doing the same Docker
// CLI steps (build, run, curl, rm), measured in the same run, interleaved, warm
// images. Prints medians and the ratio docklab / script.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const labs = (process.env.BENCH_LABS ?? '2,3,19').split(',');
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);

function time(command, args) {
  const started = process.hrtime.bigint();
  execFileSync(command, args, { cwd: root, stdio: 'ignore', env: { ...process.env, CI: 'true' } });
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/** The same steps with the Docker CLI, per lab: the script and its arguments. */
const BY_HAND = {
  2: ['lab-02.sh'],
  3: ['build-run-ask.sh', '03-my-node-app', 'node-hello', '3000'],
  19: ['build-run-ask.sh', '19-flask-hello-world', 'flask-hello', '5000'],
};

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

console.log(`lab  docklab run (ms)  script (ms)  ratio   [median of ${rounds} interleaved rounds, warm images]`);
for (const lab of labs) {
  const [script, ...args] = BY_HAND[lab] ?? [];
  if (!script) throw new Error(`no by-hand script for lab ${lab}; known: ${Object.keys(BY_HAND).join(', ')}`);
  const byHand = () => time('bash', [join(root, 'bench', 'labs', script), ...args]);
  // One warm-up of each so that both find the build cache in the same state.
  time(process.execPath, [join(root, 'bin', 'docklab'), 'run', lab, '--json']);
  byHand();
  const ours = [];
  const theirs = [];
  for (let i = 0; i < rounds; i++) {
    ours.push(time(process.execPath, [join(root, 'bin', 'docklab'), 'run', lab, '--json']));
    theirs.push(byHand());
  }
  const a = median(ours);
  const b = median(theirs);
  console.log(`${lab.padStart(3)}  ${a.toFixed(0).padStart(17)}  ${b.toFixed(0).padStart(11)}  ${(a / b).toFixed(2)}`);
}
