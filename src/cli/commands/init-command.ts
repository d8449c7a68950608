import type { Command } from 'commander';
import { cpSync, existsSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { DocklabError } from '../../errors.js';
import { APP_TEMPLATES_DIR, loadLab } from '../../labs/lab-loader.js';

export function registerInit(program: Command): void {
  program
    .command('init')
    .argument('<lab>', 'lab id or slug')
    .argument('[dir]', 'where to put the starter files (default ./docklab-NN-slug)')
    .description("copy a lab's starter files into a folder of yours")
    .option('--force', 'overwrite files that are already there')
    .addHelpText('after', '\nExample:\n  docklab init 3 my-lab3 && cd my-lab3')
    .action(async (id: string, dir: string | undefined, options: { force?: boolean }) => {
      const lab = await loadLab(id);
      const target = resolve(dir ?? `docklab-${lab.id}-${lab.slug}`);
      const starter = join(lab.dir, 'starter');
      const sources = [...(lab.definition.templates ?? []).map((t) => join(APP_TEMPLATES_DIR, t)), starter].filter((d) => existsSync(d));
      const files = [...new Set(sources.flatMap((d) => listFiles(d)))];
      const clashing = files.filter((f) => existsSync(join(target, f)));
      if (clashing.length > 0 && !options.force) {
        throw new DocklabError('DOCKLAB_DIR_NOT_EMPTY', `${target} already has ${clashing.join(', ')}; pass --force to overwrite, or choose another folder`);
      }
      for (const source of sources) cpSync(source, target, { recursive: true, force: true });
      process.stdout.write(
        `lab ${lab.number} (${lab.definition.title}): ${files.length} starter file(s) in ${relative(process.cwd(), target) || '.'}\n` +
          `read the task: docklab show ${lab.number}\ncheck your work: docklab verify ${lab.number}${lab.definition.evidence === 'state' ? '' : ` --dir ${relative(process.cwd(), target) || '.'}`}\n`,
      );
    });
}

function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? listFiles(join(dir, d.name), join(prefix, d.name)) : [join(prefix, d.name)],
  );
}
