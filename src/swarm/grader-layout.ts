/** Where a grader task finds its class: the configs Swarm mounts into it, and where it unpacks its learner. */
export const LEARNERS_DIR = '/docklab/learners';
export const EXTRACT_DIR = '/learners';
export const INDEX_FILE = 'index.json';

export const learnerArchiveFile = (slot: number) => `${slot}.tar`;

/**
 * The task's slot: Swarm numbers a job's tasks from 0, but its template
 * {{.Task.Slot}} gives the node id for slot 0 (as for a global service), so
 * anything that is not a number is slot 0.
 */
export function slotOf(value: string | undefined): number {
  return value && /^\d+$/.test(value) ? Number(value) : 0;
}
