import { connectEngine, type Engine } from '../../src/engine/engine.js';

/**
 * Engine tests need a real engine. In CI a missing engine fails the run;
 * elsewhere the engine suites are skipped with one clear message instead of
 * a wall of failures.
 */
export async function engineOrSkip(): Promise<Engine | undefined> {
  try {
    return await connectEngine();
  } catch (error) {
    if (process.env.CI) throw error;
    if (!warned) {
      warned = true;
      process.stderr.write(`\n[docklab] engine tests skipped: ${(error as Error).message}\n\n`);
    }
    return undefined;
  }
}

let warned = false;
