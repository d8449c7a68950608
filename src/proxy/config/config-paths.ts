import { dirname, isAbsolute, resolve } from 'node:path';

/**
 * Where relative file names in the configuration (crt, ca-file, crt-list,
 * errorfile, map and `-f` pattern files…) are looked up, as set by the global
 * `default-path` keyword: `current` (the working directory, the default),
 * `config` (the configuration file's directory), `parent` (that directory's
 * parent) or `origin PATH`.
 */
export interface PathBase {
  readonly mode: 'current' | 'config' | 'parent' | 'origin';
  /** Absolute directory relative names resolve against. */
  readonly dir: string;
}

export function defaultPathBase(cwd: string = process.cwd()): PathBase {
  return { mode: 'current', dir: resolve(cwd) };
}

/** The base for `default-path MODE [PATH]` in a file whose absolute directory is configDir. */
export function pathBaseFor(mode: PathBase['mode'], configDir: string, origin?: string, cwd: string = process.cwd()): PathBase {
  switch (mode) {
    case 'current':
      return { mode, dir: resolve(cwd) };
    case 'config':
      return { mode, dir: resolve(configDir) };
    case 'parent':
      return { mode, dir: dirname(resolve(configDir)) };
    case 'origin':
      return { mode, dir: resolve(cwd, origin ?? '.') };
  }
}

/** An absolute path for a file name written in the configuration. */
export function resolveConfigPath(base: PathBase, path: string): string {
  return isAbsolute(path) ? path : resolve(base.dir, path);
}
