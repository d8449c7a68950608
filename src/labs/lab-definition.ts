import type { CheckDefinition } from '../checks/check.js';
import type { LabContext } from './lab-context.js';
import { DocklabError } from '../errors.js';

/**
 * Where a lab's evidence comes from:
 * - files: the learner's folder, which docklab builds and runs itself;
 * - state: what the learner's own commands left in the engine;
 * - both: files first, then engine state beside them.
 */
export type Evidence = 'files' | 'state' | 'both';

/** What a lab's lab.ts exports by default. Everything else about a lab is data in its folder. */
export interface LabDefinition {
  title: string;
  /** One line for `docklab list`. */
  summary: string;
  /** Images the lab needs, provisioned before anything runs (official names). */
  images: string[];
  evidence: Evidence;
  /** Files the learner's folder must hold (files evidence); a missing one is a usage error. */
  requiredFiles?: string[];
  /**
   * Shared app folders under templates/apps/ (the Node hello app, the Flask
   * app) laid under starter/, solution/ and broken cases, which then hold
   * only what differs. A learner's own folder is judged as it is.
   */
  templates?: string[];
  /** Host ports the task prescribes; every other published port is chosen free. */
  prescribedPorts?: number[];
  /**
   * The steps a learner would take, done through the Engine API from the
   * folder in ctx.sourceDir (solution/, broken/<case>/ or, for files
   * evidence, the learner's folder). Not judged: checks judge what it left.
   * Not run by `verify` of a state lab, whose state the learner made.
   */
  setup?: (ctx: LabContext) => Promise<void>;
  checks: CheckDefinition[];
  /**
   * Optional: runs at the end of the run, before label-based teardown, unless
   * the run is kept (e.g. `down` of a compose project). Its errors are ignored:
   * label-based teardown removes whatever it left.
   */
  teardown?: (ctx: LabContext) => Promise<void>;
}

/** A lab author's mistake is bad input, reported in one line; the loader adds the file's path. */
export function defineLab(definition: LabDefinition): LabDefinition {
  const ids = new Set<string>();
  if (!Array.isArray(definition?.checks)) throw new DocklabError('DOCKLAB_LAB_INVALID', `lab '${definition?.title}': checks must be a list`);
  for (const check of definition.checks) {
    if (!check?.id) throw new DocklabError('DOCKLAB_LAB_INVALID', `lab '${definition.title}': every check needs an id`);
    if (ids.has(check.id)) throw new DocklabError('DOCKLAB_LAB_INVALID', `lab '${definition.title}': check id '${check.id}' is used twice`);
    for (const dependency of check.dependsOn ?? []) {
      if (!ids.has(dependency)) throw new DocklabError('DOCKLAB_LAB_INVALID', `lab '${definition.title}': check '${check.id}' depends on '${dependency}', which is not an earlier check`);
    }
    ids.add(check.id);
  }
  return definition;
}

/** A lab folder, found by scanning labs/: its definition plus where its data lives. */
export interface Lab {
  /** Two digits: "03". */
  id: string;
  number: number;
  slug: string;
  dir: string;
  definition: LabDefinition;
  /** The broken cases in broken/<case>/case.json. */
  brokenCases: BrokenCase[];
}

export interface BrokenCase {
  name: string;
  dir: string;
  /** The check this case must fail. */
  fails: string;
  /** Words the failing check's hint (or found) must contain. */
  hintIncludes?: string;
  description: string;
}
