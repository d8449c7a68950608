import type { ClassReport } from './class-summary-file.js';
import type { LearnerOutcome } from './graded-run.js';
import type { LearnerResults } from './results-file.js';
import { runFromDocument } from './results-json.js';

export interface ClassFromDocuments {
  report: ClassReport;
  /** Documents of another lab than the class's (the first document's lab): one line each; the learner stays, not graded. */
  otherLab: Array<{ learner: string; lab: number }>;
}

/**
 * A class assembled from the documents learners handed in. The lab is the
 * first document's; the columns are the checks in the order the documents
 * list them (a check only some documents carry is added where first seen),
 * so the page follows the lab the learners ran, whatever version it was.
 */
export function classFromDocuments(learners: LearnerResults[]): ClassFromDocuments {
  const first = learners.find((l) => l.document)?.document;
  const otherLab: ClassFromDocuments['otherLab'] = [];
  const kept = learners.map((l): LearnerResults => {
    if (!first || !l.document || l.document.lab.id === first.lab.id) return l;
    otherLab.push({ learner: l.name, lab: l.document.lab.id });
    return { name: l.name, error: `a results document of lab ${l.document.lab.id}, not lab ${first.lab.id} [DOCKLAB_RESULTS_INVALID]` };
  });
  const names = uniqueNames(kept.map((l) => l.name));
  const checks = new Map<string, string>();
  for (const l of kept) for (const t of l.document?.tests ?? []) if (!checks.has(t.id)) checks.set(t.id, t.name);
  const outcomes: LearnerOutcome[] = kept.map((l, i) =>
    l.document ? { name: names[i]!, run: runFromDocument(l.document) } : { name: names[i]!, error: l.error ?? 'no results' },
  );
  const lab = first?.lab ?? { id: 0, slug: 'unknown', title: 'unknown lab' };
  return {
    report: {
      lab: { number: lab.id, slug: lab.slug, definition: { title: lab.title, checks: [...checks].map(([id, title]) => ({ id, title })) } },
      outcomes,
      documents: kept.map((l, i) => ({ learner: names[i]!, error: l.document ? undefined : l.error, document: l.document })),
    },
    otherLab,
  };
}

/** Two files of the same learner (alice/results.json twice, say) stay two rows: the second is "alice (2)". */
function uniqueNames(names: string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((name) => {
    const n = (seen.get(name) ?? 0) + 1;
    seen.set(name, n);
    return n === 1 ? name : `${name} (${n})`;
  });
}
