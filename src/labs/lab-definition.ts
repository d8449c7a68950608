import type { LabDefinition } from '../lab-kit/define-lab.js';

// What a lab.ts exports is defined in the lab-kit; this path stays for the runner's code.
export { defineLab } from '../lab-kit/define-lab.js';
export type { Evidence, LabDefinition, LabOption } from '../lab-kit/define-lab.js';

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
