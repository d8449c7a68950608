import { readFileSync } from 'node:fs';
import { isMap, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { DocklabError } from '../../errors.js';
import { SCENARIO_KEYS, stepSchemas, type Scenario, type ScenarioStep, type StepKind } from './scenario-schema.js';

/** The file a state lab's folder (solution/, broken/<case>/) keeps its steps in. */
export const SCENARIO_FILE = 'scenario.yaml';

type Path = Array<string | number>;

/**
 * Reads a scenario, fills its variables and validates it. Every mistake is
 * DOCKLAB_LAB_INVALID naming the file, the line and the column of the value
 * at fault, so a lab author goes straight to it.
 */
export function loadScenario(path: string, variables: Record<string, string> = {}): Scenario {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new DocklabError('DOCKLAB_LAB_INVALID', `${path}: no such file`);
  }
  return parseScenario(text, path, variables);
}

export function parseScenario(text: string, file: string, variables: Record<string, string> = {}): Scenario {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const invalid = (offset: number | undefined, message: string): DocklabError => {
    const at = offset === undefined ? undefined : lineCounter.linePos(offset);
    return new DocklabError('DOCKLAB_LAB_INVALID', `${file}${at ? `:${at.line}:${at.col}` : ''}: ${message}`);
  };
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    throw invalid(first.pos[0], `not valid YAML: ${first.message.split('\n')[0]}`);
  }
  const offsetOf = (path: Path): number | undefined => nodeOffset(doc, path);
  const filled = fillVariables(doc.toJS(), variables, [], (path, name) =>
    invalid(offsetOf(path), `unknown variable \${${name}}; known: ${Object.keys(variables).sort().join(', ') || 'none'}`),
  );

  if (!isRecord(filled)) throw invalid(0, 'a scenario is a mapping with a `steps:` list');
  for (const key of Object.keys(filled)) {
    if (!(SCENARIO_KEYS as readonly string[]).includes(key))
      throw invalid(keyOffset(doc, [], key), `unknown key '${key}' (a scenario has ${SCENARIO_KEYS.join(' and ')})`);
  }
  if (filled.description !== undefined && typeof filled.description !== 'string') throw invalid(offsetOf(['description']), 'description must be text');
  const steps = filled.steps;
  if (!Array.isArray(steps) || steps.length === 0) throw invalid(offsetOf(['steps']) ?? 0, '`steps:` must be a list of at least one step');
  const known = Object.keys(stepSchemas);
  const parsed = steps.map((step, index): ScenarioStep => {
    const at: Path = ['steps', index];
    if (!isRecord(step)) throw invalid(offsetOf(at), `step ${index + 1} must be a mapping with one command as its key (${known.join(', ')})`);
    const keys = Object.keys(step);
    if (keys.length !== 1) throw invalid(offsetOf(at), `step ${index + 1} must have exactly one command, not ${keys.length ? keys.join(' and ') : 'none'}`);
    const kind = keys[0]!;
    if (!known.includes(kind)) throw invalid(keyOffset(doc, at, kind), `unknown step '${kind}'; a step is one of ${known.join(', ')}`);
    const schema = stepSchemas[kind as StepKind] as z.ZodType;
    const result = schema.safeParse(step[kind]);
    if (!result.success) {
      const issue = result.error.issues[0]!;
      const issuePath: Path = [...at, kind, ...(issue.path as Path)];
      const unknownKey = issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
      const offset = unknownKey !== undefined ? keyOffset(doc, issuePath, unknownKey) : (offsetOf(issuePath) ?? offsetOf(issuePath.slice(0, -1)));
      const where = [kind, ...(issue.path as Path)].join('.');
      const message = unknownKey !== undefined ? `unknown key '${unknownKey}' in ${where}` : `${where}: ${issue.message}`;
      throw invalid(offset, `step ${index + 1} (${kind}): ${message}`);
    }
    return { [kind]: result.data } as ScenarioStep;
  });
  return { description: filled.description as string | undefined, steps: parsed };
}

const VARIABLE = /\$\{([A-Z][A-Z0-9_]*)\}/g;

/**
 * Replaces ${NAME} in every string. A value that is a variable alone and
 * whose value is a number becomes that number (`port: ${FREE_PORT}`).
 */
function fillVariables(value: unknown, variables: Record<string, string>, path: Path, unknown: (path: Path, name: string) => Error): unknown {
  if (typeof value === 'string') {
    const whole = /^\$\{([A-Z][A-Z0-9_]*)\}$/.exec(value);
    if (whole) {
      const filled = variables[whole[1]!];
      if (filled === undefined) throw unknown(path, whole[1]!);
      return /^-?\d+(\.\d+)?$/.test(filled) ? Number(filled) : filled;
    }
    return value.replace(VARIABLE, (_, name: string) => {
      const filled = variables[name];
      if (filled === undefined) throw unknown(path, name);
      return filled;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => fillVariables(v, variables, [...path, i], unknown));
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillVariables(v, variables, [...path, k], unknown)]));
  return value;
}

/** Where the node at a path starts in the text. */
function nodeOffset(doc: Document, path: Path): number | undefined {
  const node = path.length === 0 ? doc.contents : doc.getIn(path, true);
  const range = (node as { range?: [number, number, number] } | undefined)?.range;
  return range?.[0];
}

/** Where a key of the mapping at a path starts in the text (for an unknown key). */
function keyOffset(doc: Document, path: Path, key: string): number | undefined {
  const node = path.length === 0 ? doc.contents : doc.getIn(path, true);
  if (isMap(node)) {
    const pair = node.items.find((p) => String((p.key as { value?: unknown })?.value ?? p.key) === key);
    const range = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
    if (range) return range[0];
  }
  if (isSeq(node) || isMap(node)) return node.range?.[0];
  return nodeOffset(doc, path);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
