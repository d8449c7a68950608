import type { Command } from 'commander';

export function registerProxy(program: Command): void {
  program
    .command('proxy')
    .description("run docklab's own L7 load balancer from an haproxy.cfg (SIGHUP reloads, SIGTERM stops gracefully)")
    .requiredOption('-f, --file <haproxy.cfg>', 'the configuration file')
    .option('-c, --check', 'only check the file, as `haproxy -c` does')
    .option('--workers <n>', 'processes sharing the listening sockets (a number, or auto: one per core)')
    .addHelpText('after', '\nExamples:\n  docklab proxy -f haproxy.cfg\n  docklab proxy -c -f haproxy.cfg\n  docklab proxy -f haproxy.cfg --workers auto')
    .action(async (options: { file: string; check?: boolean; workers?: string }) => {
      // Loaded on demand: the balancer is large and no other command needs it.
      const { runProxyMain } = await import('../../proxy/main.js');
      await runProxyMain(['-f', options.file, ...(options.check ? ['-c'] : []), ...(options.workers ? ['--workers', options.workers] : [])]);
    });
}
