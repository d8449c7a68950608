import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CheckContext } from '../check-context.js';
import type { LabDefinition } from '../define-lab.js';
import { SCENARIO_FILE, parseScenario } from './scenario-file.js';
import { ScenarioOutcome } from './scenario-outcome.js';
import { runScenario } from './scenario-runner.js';
import { fillScenarioVariables, variablesUsed } from './scenario-variables.js';

/** The scenario of a folder, if it has one. */
export function scenarioPath(sourceDir: string | undefined): string | undefined {
  const path = sourceDir ? join(sourceDir, SCENARIO_FILE) : undefined;
  return path && existsSync(path) ? path : undefined;
}

/**
 * Reads the folder's scenario.yaml, fills the variables it uses (docklab's
 * and the lab's own), validates it and plays it. What it made is returned
 * by name for the checks (ctx.scenario).
 */
export async function setUpFromScenario(ctx: CheckContext, definition: LabDefinition, path: string): Promise<ScenarioOutcome> {
  const text = readFileSync(path, 'utf8');
  const variables = { RUN_ID: ctx.runId, ...(await fillScenarioVariables(ctx.docker, variablesUsed(text))), ...(await definition.scenarioVariables?.(ctx)) };
  const scenario = parseScenario(text, path, variables);
  return runScenario(ctx, scenario, new ScenarioOutcome());
}
