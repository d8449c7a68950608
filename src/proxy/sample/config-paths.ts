import { resolve } from 'node:path';

/**
 * How file names in the configuration (map files, ACL pattern files) become
 * paths. HAProxy's default is relative to the working directory; the
 * configuration parser swaps the resolver while it reads a file that says
 * `default-path`, and resets it before each file (parsing is synchronous).
 */
let resolver: (file: string) => string = (file) => resolve(file);

export function setConfigPathResolver(fn: ((file: string) => string) | undefined): void {
  resolver = fn ?? ((file) => resolve(file));
}

export function resolveConfigPath(file: string): string {
  return resolver(file);
}
