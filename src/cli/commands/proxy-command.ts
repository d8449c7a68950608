import type { Command } from 'commander';

export function registerProxy(program: Command): void {
  program
    .command('proxy')
    .description("run docklab's own L7 load balancer from an haproxy.cfg (SIGHUP reloads it)")
    .requiredOption('-f, --file <haproxy.cfg>', 'the configuration file')
    .addHelpText('after', '\nExample:\n  docklab proxy -f haproxy.cfg')
    .action(async (options: { file: string }) => {
      // Loaded on demand: the balancer is large and no other command needs it.
      const { startProxyFromFile } = await import('../../proxy/index.js');
      const proxy = await startProxyFromFile(options.file);
      for (const a of proxy.addresses) process.stderr.write(`listening on ${a.ssl ? 'https' : 'http'}://${a.host}:${a.port} (${a.frontend})\n`);
      process.on('SIGHUP', () => {
        proxy.reload().then(
          () => process.stderr.write('configuration reloaded\n'),
          (error: Error) => process.stderr.write(`reload refused, the old configuration keeps serving: ${error.message}\n`),
        );
      });
      await new Promise<void>((resolve) => {
        const stop = () => void proxy.close().then(resolve);
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
      });
    });
}
