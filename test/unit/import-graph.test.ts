import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { circles, importGraph } from './import-graph-lib.js';

const graph = importGraph();
const edges = [...graph].flatMap(([from, targets]) => targets.map((to) => ({ from, to })));
const under = (path: string, ...dirs: string[]) => dirs.some((d) => path.startsWith(`${d}/`));

describe('the import graph', () => {
  it('finds the modules it judges (a guard against reading nothing)', () => {
    expect(graph.size).toBeGreaterThan(100);
    expect(graph.get('src/labs/lab-runner.ts')).toContain('src/labs/lab-context.ts');
  });

  it('has no circle of imports beyond the known ones, which may only shrink', () => {
    const known = (JSON.parse(readFileSync(new URL('./import-circles-known.json', import.meta.url), 'utf8')) as { circles: string[][] }).circles.map(
      (c) => new Set(c),
    );
    const fresh = circles(graph).filter((circle) => !known.some((k) => circle.every((m) => k.has(m))));
    expect(fresh).toEqual([]);
  });

  it('the runner, the lab-kit, the checks and the engine are free of circles', () => {
    const ours = circles(graph).filter((c) => c.some((m) => /^src\/(labs|lab-kit|checks|engine|cli)\//.test(m) || m.startsWith('labs/')));
    expect(ours).toEqual([]);
  });

  it('labs import only the lab-kit', () => {
    const outside = edges.filter((e) => e.from.startsWith('labs/') && e.to !== 'src/lab-kit/index.ts');
    expect(outside).toEqual([]);
  });

  it('the engine and the images know nothing of checks, labs, the lab-kit or the commands', () => {
    const upward = edges.filter(
      (e) => under(e.from, 'src/engine', 'src/images') && under(e.to, 'src/checks', 'src/labs', 'src/lab-kit', 'src/cli', 'src/report'),
    );
    expect(upward).toEqual([]);
  });

  it('the lab-kit (and the shared checks in it) knows nothing of the runner or the commands', () => {
    const upward = edges.filter((e) => under(e.from, 'src/lab-kit', 'src/checks') && under(e.to, 'src/labs', 'src/cli', 'src/report'));
    expect(upward).toEqual([]);
  });

  it('the runner knows nothing of the commands', () => {
    expect(edges.filter((e) => under(e.from, 'src/labs') && under(e.to, 'src/cli'))).toEqual([]);
  });

  it('a circle is found when there is one (the detector itself)', () => {
    const looped = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', ['a.ts']],
    ]);
    expect(circles(looped)).toEqual([['a.ts', 'b.ts', 'c.ts']]);
  });
});
