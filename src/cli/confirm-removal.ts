import { connectEngine } from '../engine/engine.js';
import { LABEL } from '../engine/labels.js';
import type { Lab } from '../labs/lab-definition.js';

/**
 * docklab never removes a resource it did not make without naming it and
 * asking. The learner's containers judged by a state lab are such resources.
 */
export async function confirmRemovalOfUnlabelled(lab: Lab, yes: boolean): Promise<void> {
  const engine = await connectEngine();
  const images = lab.definition.images.map((i) => i.split(':')[0]);
  const containers = (await engine.docker.listContainers({ all: true })).filter(
    (c) => !c.Labels?.[LABEL.run] && images.some((image) => c.Image === image || c.Image.startsWith(`${image}:`)),
  );
  if (containers.length === 0) return;
  const names = containers.map((c) => c.Names[0]?.replace(/^\//, '') ?? c.Id.slice(0, 12));
  const approved =
    yes ||
    (process.stdin.isTTY &&
      (await (
        await import('@inquirer/prompts')
      ).confirm({ message: `remove your containers ${names.join(', ')} (docklab did not make them)?`, default: false })));
  if (!approved) {
    process.stdout.write(`left in place: ${names.join(', ')} (pass --yes to remove without asking)\n`);
    return;
  }
  for (const c of containers) await engine.docker.getContainer(c.Id).remove({ force: true });
  process.stdout.write(`removed ${names.join(', ')}\n`);
}
