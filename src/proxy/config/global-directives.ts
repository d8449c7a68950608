import type { GlobalModel, Loc } from './model.js';
import type { PathBase } from './config-paths.js';
import { pathBaseFor } from './config-paths.js';
import { parseTime } from './time-units.js';
import { syntaxError } from './config-errors.js';

export interface GlobalDirectiveState {
  readonly global: GlobalModel;
  /** The environment later lines expand `"${VAR}"` from (setenv and friends change it). */
  readonly env: NodeJS.ProcessEnv;
  readonly configDir: string;
  setPathBase(base: PathBase): void;
  warn(at: Loc, message: string): void;
  haproxyWarn(at: Loc, message: string): void;
}

/**
 * Global-section keywords of the configuration language itself and of
 * process setup. Returns false when the keyword is not one of them.
 */
export function parseGlobalDirective(words: readonly string[], at: Loc, s: GlobalDirectiveState): boolean {
  const [kw, a1, a2] = words as [string, string?, string?];
  const g = s.global;
  switch (kw) {
    case 'zero-warning':
      g.zeroWarning = at;
      return true;
    case 'ca-base':
      if (!a1) throw syntaxError(at, `'ca-base' expects a directory`);
      g.caBase = a1;
      return true;
    case 'strict-limits':
      g.strictLimits = true;
      return true;
    case 'no':
      if (a1 !== 'log') return false;
      if (words.length > 2) throw syntaxError(at, `'no log' does not expect arguments`);
      g.logStdout = false;
      return true;
    case 'default-path': {
      if (a1 !== 'current' && a1 !== 'config' && a1 !== 'parent' && a1 !== 'origin') {
        throw syntaxError(at, `unsupported default-path mode '${a1 ?? ''}'; use 'current', 'config', 'parent' or 'origin DIR'`);
      }
      if (a1 === 'origin' && !a2) throw syntaxError(at, `'default-path origin' expects a directory as an argument`);
      s.setPathBase(pathBaseFor(a1, s.configDir, a2));
      return true;
    }
    case 'setenv':
    case 'presetenv': {
      // An empty word ends the arguments in HAProxy, so an empty value is a missing one.
      if (!a1 || !a2) throw syntaxError(at, `'${kw}' expects a name and a value`);
      if (kw === 'setenv' || s.env[a1] === undefined) s.env[a1] = a2;
      return true;
    }
    case 'unsetenv': {
      if (words.length < 2) throw syntaxError(at, `'unsetenv' expects at least one variable name`);
      for (const n of words.slice(1)) delete s.env[n];
      return true;
    }
    case 'resetenv': {
      const keep = new Set(words.slice(1));
      for (const n of Object.keys(s.env)) if (!keep.has(n)) delete s.env[n];
      return true;
    }
    case 'localpeer': {
      if (!a1) throw syntaxError(at, `'localpeer' expects a name`);
      g.localpeer = a1;
      s.env['HAPROXY_LOCALPEER'] = a1;
      return true;
    }
    case 'hard-stop-after': {
      const ms = a1 === undefined ? null : parseTime(a1);
      if (ms === null) throw syntaxError(at, `'hard-stop-after' needs a time such as 30s, got '${a1 ?? ''}'`);
      g.hardStopAfter = ms;
      return true;
    }
    case 'description': {
      if (words.length < 2) throw syntaxError(at, `'description' expects a string argument`);
      g.description = words.slice(1).join(' ');
      return true;
    }
    case 'log-send-hostname':
      g.logHostname = a1 ?? '';
      return true;
    case 'h1-case-adjust':
      if (!a1 || !a2) throw syntaxError(at, `'h1-case-adjust' expects a header name and its spelling`);
      s.warn(at, `'h1-case-adjust' is ignored by docklab (header names are sent in lower case, which HTTP allows)`);
      return true;
    case 'ssl-default-bind-options':
    case 'ssl-default-server-options': {
      if (kw === 'ssl-default-bind-options') g.sslDefaultBindOptions = words.slice(1);
      else s.warn(at, `'${kw}' is ignored by docklab`);
      return true;
    }
    case 'ssl-default-bind-ciphers':
    case 'ssl-default-bind-ciphersuites':
      if (!a1) throw syntaxError(at, `'${kw}' expects a cipher list`);
      if (kw === 'ssl-default-bind-ciphers') g.sslDefaultBindCiphers = a1;
      else g.sslDefaultBindCiphersuites = a1;
      return true;
    case 'ssl-dh-param-file':
    case 'tune.ssl.default-dh-param':
      if (!a1) throw syntaxError(at, `'${kw}' expects a value`);
      s.warn(at, `'${kw}' is ignored by docklab (Diffie-Hellman parameters are chosen by the TLS library)`);
      return true;
    case 'stats':
      if (a1 === 'socket') {
        s.warn(at, `'stats socket' is ignored by docklab: there is no runtime API socket`);
        return true;
      }
      if (a1 === 'timeout' || a1 === 'maxconn' || a1 === 'bind-process') {
        s.warn(at, `'stats ${a1}' in global section is ignored by docklab`);
        return true;
      }
      return false;
  }
  return false;
}
