import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stateDir } from '../util/state-dir.js';
import type { LabRunResult } from './lab-runner.js';

export interface LastResult {
  status: 'pass' | 'fail';
  mode: string;
  at: string;
  passed: number;
  total: number;
}

export function saveLastResult(run: LabRunResult): void {
  const record: LastResult = {
    status: run.status,
    mode: run.mode,
    at: new Date().toISOString(),
    passed: run.results.filter((r) => r.status === 'pass').length,
    total: run.lab.definition.checks.length,
  };
  writeFileSync(join(stateDir('results'), `${run.lab.id}.json`), JSON.stringify(record));
}

export function readLastResult(labId: string): LastResult | undefined {
  const path = join(stateDir('results'), `${labId}.json`);
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}
