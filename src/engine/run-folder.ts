import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stateDir } from '../util/state-dir.js';
import { currentOwner } from './labels.js';

/**
 * Every file a run writes outside the learner's folder (assembled build
 * contexts, compose overrides, certificates) lives under one folder per run,
 * runs/<run id>/ in the state folder, next to an `owner` file written the
 * moment the run starts. Teardown removes the folder; the reaper removes the
 * folders whose owner is gone, also when the run was killed before it made
 * anything on the engine.
 *
 * Build layers are listed there too as a build commits them: `layers` for a
 * build still going (removed with the run if it never finished) and, once
 * a build finished, `cache` (kept as build cache until `down --images`).
 */
export function runsRoot(): string {
  return stateDir('runs');
}

export function runFolder(runId: string): string {
  return join(runsRoot(), runId);
}

export function createRunFolder(runId: string, lab = ''): string {
  const dir = runFolder(runId);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'owner'), currentOwner());
  if (lab) writeFileSync(join(dir, 'lab'), lab);
  return dir;
}

/** A fresh folder under the run's own. */
export function runTempDir(runId: string, prefix: string): string {
  const dir = runFolder(runId);
  if (!existsSync(dir)) createRunFolder(runId);
  return mkdtempSync(join(dir, `${prefix.replace(/[^a-zA-Z0-9_.-]/g, '-')}-`));
}

export function removeRunFolder(runId: string): void {
  rmSync(runFolder(runId), { recursive: true, force: true });
}

/** Run ids with a folder, and the owner each names (undefined when the file is missing). */
export function listRunFolders(): Array<{ runId: string; owner: string | undefined }> {
  const root = runsRoot();
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => ({ runId: d.name, owner: readOwner(join(root, d.name)) }));
}

function readOwner(dir: string): string | undefined {
  try {
    return readFileSync(join(dir, 'owner'), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

export type LayerList = 'layers' | 'cache';

/** Records an image id a build of this run committed. */
export function recordLayer(runId: string, imageId: string, list: LayerList = 'layers'): void {
  const dir = runFolder(runId);
  if (!existsSync(dir)) createRunFolder(runId);
  appendFileSync(join(dir, list), `${imageId}\n`);
}

export function readLayers(runId: string, list: LayerList): string[] {
  try {
    return readFileSync(join(runFolder(runId), list), 'utf8')
      .split('\n')
      .filter(Boolean);
  } catch {
    return [];
  }
}

/** A finished build: its layers move from "still building" to build cache. */
export function keepLayersAsCache(runId: string, layerIds: string[]): void {
  const dir = runFolder(runId);
  if (!existsSync(dir)) return;
  const pending = readLayers(runId, 'layers').filter((id) => !layerIds.includes(id));
  writeFileSync(join(dir, 'layers'), pending.map((id) => `${id}\n`).join(''));
  if (layerIds.length > 0) appendFileSync(join(dir, 'cache'), layerIds.map((id) => `${id}\n`).join(''));
}

/**
 * Build cache outlives its run (the next run of a lab builds in seconds):
 * at teardown a run's cache list joins the ledger that `down --images` clears.
 */
export function cacheLedgerPath(): string {
  return join(stateDir(), 'build-cache');
}

export function moveCacheToLedger(runId: string): void {
  const ids = readLayers(runId, 'cache');
  let lab = '';
  try {
    lab = readFileSync(join(runFolder(runId), 'lab'), 'utf8').trim();
  } catch {
    // a run folder from before labs were recorded: the ledger line has no lab
  }
  if (ids.length > 0) appendFileSync(cacheLedgerPath(), ids.map((id) => `${runId} ${id} ${lab}\n`).join(''));
}

export interface LedgerEntry {
  runId: string;
  imageId: string;
  lab: string;
}

export function readLedger(): LedgerEntry[] {
  try {
    return readFileSync(cacheLedgerPath(), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [runId = '', imageId = '', lab = ''] = line.split(' ');
        return { runId, imageId, lab };
      });
  } catch {
    return [];
  }
}

export function writeLedger(entries: LedgerEntry[]): void {
  writeFileSync(cacheLedgerPath(), entries.map((e) => `${e.runId} ${e.imageId} ${e.lab}\n`).join(''));
}

/**
 * What is left of a run whose layers could not all be removed yet: only
 * the list of those layers, for the next sweep, and its owner. After a day
 * the list is dropped: a layer needed that long is someone's now.
 */
export function keepOnlyLayers(runId: string, imageIds: string[]): void {
  const dir = runFolder(runId);
  if (!existsSync(dir)) return;
  const age = Date.now() - statSync(dir).birthtimeMs;
  if (age > 24 * 3600_000) {
    removeRunFolder(runId);
    return;
  }
  for (const entry of readdirSync(dir)) if (entry !== 'owner' && entry !== 'lab') rmSync(join(dir, entry), { recursive: true, force: true });
  writeFileSync(join(dir, 'layers'), imageIds.map((id) => `${id}\n`).join(''));
}
