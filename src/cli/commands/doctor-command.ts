import type { Command } from 'commander';
import { statfs } from 'node:fs/promises';
import { connectEngine } from '../../engine/engine.js';
import { reapOrphans } from '../../engine/reaper.js';
import { findComposeTool } from '../../engine/compose.js';
import { pluginVersion } from '../../engine/docker-cli-plugins.js';
import { chooseBuilder } from '../../images/builder-choice.js';
import { FRONTEND_REF, frontendPresent } from '../../images/dockerfile-frontend.js';
import { catalogState } from '../../images/provisioner.js';
import { pullImage } from '../../images/image-pull.js';
import { formatBytes, paint, table } from '../../util/terminal.js';

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('say how the engine was found and whether everything the labs need is here')
    .option('--json', 'print a JSON document')
    .option('--no-registry', 'do not ask a registry whether it answers')
    .addHelpText('after', '\nExample:\n  docklab doctor --json')
    .action(async (options: { json?: boolean; registry: boolean }) => {
      const engine = await connectEngine();
      // Every command that touches the engine sweeps killed runs first.
      await reapOrphans(engine.docker).catch(() => []);
      const [compose, images, disk, registry, info, builder, buildx, frontend] = await Promise.all([
        findComposeTool(),
        catalogState(engine.docker),
        statfs(process.env.DOCKLAB_DISK_PATH ?? '/var/lib/docker').catch(() => statfs('/')),
        options.registry ? pullImage(engine.docker, 'hello-world:latest') : Promise.resolve({ ok: false, reason: 'not asked' }),
        engine.docker.info().catch(() => ({}) as { Driver?: string }),
        chooseBuilder(engine.docker),
        pluginVersion('buildx'),
        frontendPresent(engine.docker),
      ]);
      const freeBytes = disk.bavail * disk.bsize;
      const report = {
        engine: { found: `${engine.endpoint.address} (${engine.endpoint.source})`, ...engine.info, storageDriver: info.Driver as string | undefined },
        compose: compose ? { command: compose.display, version: compose.version, generation: compose.generation, reason: compose.reason } : null,
        builder: { kind: builder.kind, reason: builder.reason, dockerfileFrontend: frontend ? FRONTEND_REF : null, buildx: buildx ?? null },
        registry: { answers: registry.ok, reason: registry.ok ? undefined : registry.reason },
        images: images.map((i) => ({
          image: i.image,
          tags: i.tags,
          present: i.present,
          kind: i.present.length === 0 ? (registry.ok ? 'can be pulled' : 'can be built here') : i.standin ? 'stand-in' : 'official',
          standin: i.standin,
          sizeBytes: i.sizeBytes,
        })),
        diskFreeBytes: freeBytes,
        ready: images.every((i) => i.present.length > 0) && compose !== undefined,
      };
      if (options.json) {
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        return;
      }
      const ok = (b: boolean) => (b ? paint('green', 'ok') : paint('yellow', 'missing'));
      process.stdout.write(
        [
          `engine      ${report.engine.found}`,
          `            Docker ${engine.info.version}, API ${engine.info.apiVersion}, ${engine.info.os}/${engine.info.arch}, storage ${report.engine.storageDriver ?? '?'}`,
          `compose     ${compose ? `${compose.display} ${compose.version} (${compose.reason})` : paint('yellow', 'none (install docker-compose; `npm run setup` does)')}`,
          `builder     ${builder.kind === 'buildkit' ? 'BuildKit' : paint('yellow', 'legacy builder')} (${builder.reason}); Dockerfile frontend ${frontend ? FRONTEND_REF : paint('yellow', "none: builds read Dockerfiles with the engine's own (older) syntax; `npm run setup` provides it")}; buildx ${buildx ?? 'not installed'}`,
          `registry    ${registry.ok ? 'answers' : `does not answer (${registry.reason}); images come from local stand-ins`}`,
          `disk        ${formatBytes(freeBytes)} free`,
          '',
          table([
            ['IMAGE', 'PRESENT', 'KIND', 'SIZE'],
            ...report.images.map((i) => [
              `${i.image}:${i.tags[0]}`,
              ok(i.present.length > 0),
              i.standin ? `stand-in: ${i.standin}` : i.kind,
              formatBytes(i.sizeBytes),
            ]),
          ]),
          '',
          report.ready ? paint('green', 'ready: every lab can run') : paint('yellow', 'not ready: run `npm run setup`'),
        ].join('\n') + '\n',
      );
    });
}
