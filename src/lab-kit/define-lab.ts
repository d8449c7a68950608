import { DocklabError } from '../errors.js';
import { dependencyIds, type CheckDefinition } from './check.js';
import type { CheckContext } from './check-context.js';
import { SETUP_ID, type LabSetup } from './lab-setup.js';

/**
 * Where a lab's evidence comes from:
 * - files: the learner's folder, which docklab builds and runs itself;
 * - state: what the learner's own commands left in the engine;
 * - both: files first, then engine state beside them.
 */
export type Evidence = 'files' | 'state' | 'both';

/** A command-line option only this lab takes; the CLI offers it on `run` and `verify`. */
export interface LabOption {
  /** The key checks read with ctx.option(name), and the flag: name 'lb' is `--lb <value>`. */
  name: string;
  description: string;
  /** Allowed values; anything else is a usage error. */
  choices?: string[];
  default?: string;
  /** What the value looks like in the help: `--registry <host:port>`. */
  placeholder?: string;
}

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
  /** Command-line options of this lab alone (`--lb`, `--registry`). */
  options?: LabOption[];
  /**
   * Values a lab adds to its scenario's variables (`${NAME}` in scenario.yaml),
   * beside those docklab fills (free ports, the machine's size).
   */
  scenarioVariables?: (ctx: CheckContext) => Promise<Record<string, string>>;
  /**
   * Files labs only: steps a learner would take that a scenario cannot say.
   * State labs write theirs as scenario.yaml and keep no setup of their own.
   * Made with labSetup, what it returns reaches the checks: ctx.get(theSetup).
   */
  setup?: LabSetup<unknown> | ((ctx: CheckContext) => Promise<void>);
  checks: CheckDefinition<any>[];
  /**
   * Optional: runs at the end of the run, before label-based teardown, unless
   * the run is kept (e.g. `down` of a compose project). Its errors are ignored:
   * label-based teardown removes whatever it left.
   */
  teardown?: (ctx: CheckContext) => Promise<void>;
}

const OPTION_NAME = /^[a-z][a-z0-9-]*$/;
/** Options the core commands take already: a lab cannot take them over. */
const RESERVED_OPTIONS = new Set(['dir', 'all', 'json', 'junit', 'keep', 'cleanup', 'yes', 'parallel', 'summary', 'help', 'swarm']);

/** A lab author's mistake is bad input, reported in one line; the loader adds the file's path. */
export function defineLab(definition: LabDefinition): LabDefinition {
  const invalid = (what: string) => new DocklabError('DOCKLAB_LAB_INVALID', `lab '${definition?.title}': ${what}`);
  if (typeof definition !== 'object' || definition === null) throw new DocklabError('DOCKLAB_LAB_INVALID', 'defineLab needs an object');
  if (typeof definition.title !== 'string' || !definition.title) throw invalid("'title' must be a non-empty string");
  if (typeof definition.summary !== 'string') throw invalid("'summary' must be a string");
  if (!Array.isArray(definition.images)) throw invalid('images must be a list of image names');
  if (!['files', 'state', 'both'].includes(definition.evidence))
    throw invalid(`evidence must be 'files', 'state' or 'both', not '${String(definition.evidence)}'`);
  if (!Array.isArray(definition.checks)) throw invalid('checks must be a list');
  if (definition.evidence === 'state' && definition.setup) throw invalid('a state lab keeps no setup of its own: write its steps as scenario.yaml');
  const ids = new Set<string>();
  for (const check of definition.checks) {
    if (!check?.id) throw invalid('every check needs an id');
    if (typeof check.run !== 'function') throw invalid(`check '${check.id}' needs a run function`);
    if (ids.has(check.id)) throw invalid(`check id '${check.id}' is used twice`);
    if (check.id === SETUP_ID) throw invalid(`check id '${SETUP_ID}' names the lab's set-up: give the check another`);
    for (const dependency of dependencyIds(check)) {
      if (!ids.has(dependency)) throw invalid(`check '${check.id}' depends on '${dependency}', which is not an earlier check`);
    }
    ids.add(check.id);
  }
  const names = new Set<string>();
  for (const option of definition.options ?? []) {
    if (!OPTION_NAME.test(option?.name ?? '')) throw invalid(`option name '${option?.name}' must be lower-case words joined by '-'`);
    if (RESERVED_OPTIONS.has(option.name)) throw invalid(`option --${option.name} belongs to docklab's own commands`);
    if (names.has(option.name)) throw invalid(`option --${option.name} is declared twice`);
    if (option.default !== undefined && option.choices && !option.choices.includes(option.default))
      throw invalid(`option --${option.name}: default '${option.default}' is not one of its choices`);
    names.add(option.name);
  }
  return definition;
}
