// Summarises a V8 .cpuprofile: self time per function and per area
// (docklab code, node internals, garbage collection, idle).
import { readFileSync } from 'node:fs';

const profile = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map();
const dt = profile.timeDeltas;
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i];
  self.set(id, (self.get(id) ?? 0) + (dt[i] ?? 0));
}
const all = [...self.values()].reduce((a, b) => a + b, 0);
let idle = 0;
for (const [id, t] of self) if (byId.get(id).callFrame.functionName === '(idle)') idle += t;
// Shares are of busy time: idle time says the process waited, not where it worked.
const total = all - idle;
console.log(
  `\nprofile: ${(all / 1e6).toFixed(1)} s sampled, ${((100 * idle) / all).toFixed(1)}% idle; shares below are of the ${(total / 1e6).toFixed(1)} s busy`,
);
const perFn = new Map();
const perArea = new Map();
for (const [id, t] of self) {
  const n = byId.get(id);
  const cf = n.callFrame;
  const url = cf.url || '';
  const name = `${cf.functionName || '(anonymous)'} ${url.replace(/^.*\/(src\/proxy\/|node:)/, '$1')}:${cf.lineNumber + 1}`;
  perFn.set(name, (perFn.get(name) ?? 0) + t);
  const area =
    cf.functionName === '(idle)'
      ? 'idle'
      : cf.functionName === '(garbage collector)'
        ? 'gc'
        : cf.functionName === '(program)'
          ? 'native (program)'
          : url.includes('/src/proxy/')
            ? 'docklab proxy code'
            : url.startsWith('node:')
              ? 'node internals (' + url.replace(/^node:/, '').split('/')[0] + ')'
              : 'other';
  perArea.set(area, (perArea.get(area) ?? 0) + t);
}
const pct = (t) => `${((100 * t) / total).toFixed(1)}%`.padStart(6);
console.log('\nself time by area:');
for (const [a, t] of [...perArea].sort((x, y) => y[1] - x[1])) if (a !== 'idle') console.log(`  ${pct(t)}  ${a}`);
console.log('\ntop functions by self time:');
for (const [f, t] of [...perFn]
  .filter(([f]) => !f.startsWith('(idle)'))
  .sort((x, y) => y[1] - x[1])
  .slice(0, 25))
  console.log(`  ${pct(t)}  ${f}`);
