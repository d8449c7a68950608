import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { DocklabError } from '../errors.js';
import type { ResultsDocument, ResultsTest } from './results-json.js';

/** One learner read from a file: their document, or why they were not graded. */
export interface LearnerResults {
  name: string;
  document?: ResultsDocument;
  error?: string;
}

const MAX_BYTES = 16 * 1024 * 1024;
const TEST_STATUSES = ['pass', 'fail', 'skipped'];
const DOC_STATUSES = ['pass', 'fail', 'error'];

/**
 * Reads what learners handed in: a results document that `verify --json`
 * printed, or the array that `verify --all --summary class.json` writes (one
 * document per learner, with `learner`). Anything else is refused with
 * DOCKLAB_RESULTS_INVALID naming the file and the first thing wrong; the
 * documents come from learners, so no field is trusted to exist or to have
 * its type.
 */
export function readResultsFile(path: string): LearnerResults[] {
  const file = resolve(path);
  let size: number;
  try {
    const stat = statSync(file);
    if (stat.isDirectory()) throw new DocklabError('DOCKLAB_RESULTS_INVALID', `${path}: a folder, not a results document`);
    size = stat.size;
  } catch (error) {
    if (error instanceof DocklabError) throw error;
    throw new DocklabError('DOCKLAB_FILE_MISSING', `${path} does not exist`);
  }
  if (size > MAX_BYTES) throw invalid(path, `${size} bytes; a results document is far smaller`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw invalid(path, `not JSON (${(error as Error).message})`);
  }
  if (Array.isArray(parsed)) {
    if (parsed.length === 0) throw invalid(path, 'an empty list');
    return parsed.map((entry, index) => {
      const where = `[${index}]`;
      if (!isObject(entry)) throw invalid(path, `${where} is not an object`);
      if (typeof entry.learner !== 'string' || entry.learner.trim() === '')
        throw invalid(path, `${where}.learner is missing (a class list names each learner)`);
      if (entry.version === undefined && typeof entry.error === 'string') return { name: entry.learner, error: entry.error };
      return { name: entry.learner, ...documentOrError(path, entry, `${where}.`) };
    });
  }
  if (!isObject(parsed)) throw invalid(path, 'not an object');
  const name = typeof parsed.learner === 'string' && parsed.learner.trim() ? parsed.learner : learnerFromPath(file);
  return [{ name, ...documentOrError(path, parsed, '') }];
}

/** The learner a file belongs to: its name without .json, or its folder's name for a file called results.json. */
export function learnerFromPath(file: string): string {
  const stem = basename(file).replace(/\.json$/i, '');
  return stem.toLowerCase() === 'results' ? basename(dirname(resolve(file))) : stem;
}

function documentOrError(path: string, value: Record<string, unknown>, at: string): { document?: ResultsDocument; error?: string } {
  const doc = validateDocument(path, value, at);
  // verify --json prints an error document when the learner's run could not even start (a file missing, an image that cannot be had).
  if (doc.status === 'error') return { error: doc.message ?? 'the run ended on an error' };
  return { document: doc };
}

export function validateDocument(path: string, value: Record<string, unknown>, at = ''): ResultsDocument {
  if (value.version !== 2) throw invalid(path, `${at}version is ${JSON.stringify(value.version)}; docklab reads version 2`);
  if (typeof value.status !== 'string' || !DOC_STATUSES.includes(value.status)) {
    throw invalid(path, `${at}status is ${JSON.stringify(value.status)}, not one of ${DOC_STATUSES.join(', ')}`);
  }
  optionalString(path, value, 'message', at);
  if (!Array.isArray(value.tests)) throw invalid(path, `${at}tests is missing or not a list`);
  if (value.status === 'error')
    return { version: 2, status: 'error', message: value.message as string | undefined, lab: { id: 0, slug: '', title: '' }, tests: [] };
  const lab = value.lab;
  if (!isObject(lab)) throw invalid(path, `${at}lab is missing: write the file with \`docklab verify N --json\``);
  if (typeof lab.id !== 'number' || !Number.isInteger(lab.id) || lab.id < 0) throw invalid(path, `${at}lab.id is ${JSON.stringify(lab.id)}, not a lab number`);
  for (const key of ['slug', 'title']) if (typeof lab[key] !== 'string') throw invalid(path, `${at}lab.${key} is missing or not text`);
  const durationMs = optionalNumber(path, value, 'durationMs', at);
  const seen = new Set<string>();
  const tests = value.tests.map((test, index): ResultsTest => {
    const here = `${at}tests[${index}]`;
    if (!isObject(test)) throw invalid(path, `${here} is not an object`);
    if (typeof test.name !== 'string') throw invalid(path, `${here}.name is missing or not text`);
    if (typeof test.status !== 'string' || !TEST_STATUSES.includes(test.status)) {
      throw invalid(path, `${here}.status is ${JSON.stringify(test.status)}, not one of ${TEST_STATUSES.join(', ')}`);
    }
    const id = test.id === undefined ? test.name : test.id;
    if (typeof id !== 'string' || id === '') throw invalid(path, `${here}.id is not text`);
    if (seen.has(id)) throw invalid(path, `${here}.id '${id}' appears twice`);
    seen.add(id);
    const text = (key: string) => optionalString(path, test, key, `${here}.`);
    return {
      id,
      name: test.name,
      status: test.status as ResultsTest['status'],
      message: text('message'),
      output: text('output'),
      expected: text('expected'),
      found: text('found'),
      hint: text('hint'),
      reason: text('reason'),
      durationMs: optionalNumber(path, test, 'durationMs', `${here}.`),
    };
  });
  return {
    version: 2,
    status: value.status as 'pass' | 'fail',
    message: value.message as string | undefined,
    lab: { id: lab.id, slug: lab.slug as string, title: lab.title as string },
    durationMs,
    tests,
  };
}

function optionalString(path: string, value: Record<string, unknown>, key: string, at: string): string | undefined {
  const v = value[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw invalid(path, `${at}${key} is not text`);
  return v;
}

function optionalNumber(path: string, value: Record<string, unknown>, key: string, at: string): number | undefined {
  const v = value[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw invalid(path, `${at}${key} is not a number of milliseconds`);
  return v;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function invalid(path: string, what: string): DocklabError {
  return new DocklabError('DOCKLAB_RESULTS_INVALID', `${path}: ${what}`);
}
