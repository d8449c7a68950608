import type { Command } from 'commander';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadLab } from '../../labs/lab-loader.js';

export function registerShow(program: Command): void {
  program
    .command('show')
    .argument('<lab>', 'lab id or slug')
    .description('show a lab: the task, what is checked, hints')
    .option('--json', 'print a JSON document')
    .addHelpText('after', '\nExample:\n  docklab show 3')
    .action(async (id: string, options: { json?: boolean }) => {
      const lab = await loadLab(id);
      const readme = join(lab.dir, 'README.md');
      const text = existsSync(readme) ? readFileSync(readme, 'utf8') : `# ${lab.definition.title}\n\n${lab.definition.summary}\n`;
      const checks = lab.definition.checks.map((c) => ({ id: c.id, title: c.title, dependsOn: c.dependsOn ?? [] }));
      if (options.json) {
        process.stdout.write(
          `${JSON.stringify({ id: lab.number, slug: lab.slug, title: lab.definition.title, evidence: lab.definition.evidence, images: lab.definition.images, options: lab.definition.options ?? [], checks, readme: text }, null, 2)}\n`,
        );
        return;
      }
      process.stdout.write(
        `${text.trimEnd()}\n\nChecks docklab runs (${lab.definition.evidence} evidence):\n${checks.map((c) => `  - ${c.title} [${c.id}]`).join('\n')}\n`,
      );
      const labOptions = lab.definition.options ?? [];
      if (labOptions.length) {
        const described = labOptions.map(
          (o) =>
            `  --${o.name} <${o.placeholder ?? 'value'}>  ${o.description}${o.choices ? ` (${o.choices.join('|')})` : ''}${o.default ? `, default ${o.default}` : ''}`,
        );
        process.stdout.write(`\nOptions of this lab (run and verify):\n${described.join('\n')}\n`);
      }
    });
}
