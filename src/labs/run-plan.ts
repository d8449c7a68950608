import type { CheckContext, LabMode } from '../lab-kit/check-context.js';
import type { ScenarioOutcome } from '../lab-kit/scenario/scenario-outcome.js';
import type { LabDefinition } from '../lab-kit/define-lab.js';
import { scenarioPath, setUpFromScenario } from '../lab-kit/scenario/scenario-setup.js';
import { runLabSetup, SETUP_ID } from '../lab-kit/lab-setup.js';

/**
 * What a run does, decided once from the mode (run or verify) and the
 * lab's evidence (files, state, both): what is set up before the checks,
 * what the checks judge, and whether the folder judged is the learner's.
 * The runner, the context and the commands read it; none decides again.
 */
export interface RunPlan {
  mode: LabMode;
  /** What is made before the checks. */
  setUp: { kind: 'scenario'; path: string; from: string } | { kind: 'setup'; from: string } | { kind: 'none' };
  /**
   * What the checks judge: only what this run made ('run': docklab made it,
   * from the reference, a broken case or the learner's files), or the whole
   * engine ('engine': the learner's own commands made it).
   */
  judges: 'run' | 'engine';
  /** Whether a folder must be given (files evidence under verify). */
  needsFolder: boolean;
}

export function planRun(definition: Pick<LabDefinition, 'evidence' | 'setup'>, options: { mode: LabMode; sourceDir?: string }): RunPlan {
  const learnerState = options.mode === 'verify' && definition.evidence === 'state';
  const judges = learnerState ? 'engine' : 'run';
  const needsFolder = options.mode === 'verify' && definition.evidence !== 'state';
  if (learnerState) return { mode: options.mode, setUp: { kind: 'none' }, judges, needsFolder };
  const scenario = scenarioPath(options.sourceDir);
  if (scenario) return { mode: options.mode, setUp: { kind: 'scenario', path: scenario, from: scenario }, judges, needsFolder };
  if (definition.setup) return { mode: options.mode, setUp: { kind: 'setup', from: options.sourceDir ?? 'the lab' }, judges, needsFolder };
  return { mode: options.mode, setUp: { kind: 'none' }, judges, needsFolder };
}

/**
 * Carries out the plan's set-up step; what a scenario made is returned by
 * name, for ctx.scenario; what a lab's own set-up hands on goes into
 * `handles`, for ctx.get.
 */
export async function setUp(ctx: CheckContext, definition: LabDefinition, plan: RunPlan, handles?: Map<string, unknown>): Promise<ScenarioOutcome | undefined> {
  if (plan.setUp.kind === 'scenario') return setUpFromScenario(ctx, definition, plan.setUp.path);
  if (plan.setUp.kind === 'setup') {
    const handedOn = await runLabSetup(definition.setup!, ctx);
    if (handedOn) handles?.set(SETUP_ID, handedOn.value);
  }
  return undefined;
}
