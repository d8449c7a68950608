import type {
  BindModel,
  ConfigModel,
  GlobalModel,
  HttpCheckModel,
  HttpRequestAction,
  HttpRule,
  Loc,
  ProxySection,
  ProxySettings,
  ServerModel,
  ServerOptions,
  TimeoutName,
} from './model.js';
import type { ConfigLine } from './config-line.js';
import { where } from './config-line.js';
import { ConfigReader } from './config-reader.js';
import type { ErrorFileMessage } from './model.js';
import { parseHttpReply, resolveReplySections } from './http-reply.js';
import { parseBindOptions } from './bind-parser.js';
import { CustomLogFormat } from '../log/custom-log-format.js';
import { REASONS } from '../http/local-response.js';
import { parseHttpErrorKeyword, openHttpErrors, httpErrorsLine, parseErrorFileKeyword, finishErrorFiles } from './error-file-keywords.js';
import { isSectionKeyword } from './section-keywords.js';
import { type PathBase, defaultPathBase, resolveConfigPath } from './config-paths.js';
import { setConfigPathResolver } from '../sample/config-paths.js';
import { parseGlobalDirective, type GlobalDirectiveState } from './global-directives.js';
import { parseTime } from './time-units.js';
import { parseBalance, parseHashType } from './balance-parser.js';
import { checkServers, parseServerOptions, templateNames } from './server-options.js';
import { parseCannedCheckOption } from './canned-checks.js';
import { parseHttpCheckLine, parseTcpCheckLine } from './check-parser.js';
import { parseCookie } from './cookie-parser.js';
import { syntaxError, unsupportedError, referenceError } from './config-errors.js';
import { parseAclDefinition, splitCondition } from '../acl/acl-parser.js';
import { PREDEFINED_ACLS } from '../acl/predefined-acls.js';
import { lookupAction } from '../rules/actions/all-actions.js';
import { LogFormat } from '../http/log-format.js';
import { parseCaptureKeyword } from '../rules/capture-keywords.js';
import { applyStatsLine, checkStatsAcls, freshStats } from '../stats/stats-config.js';
import { parseUserlistLine, checkUserlist, type UserlistModel } from '../auth/userlist.js';
import { checkUserlistRefs, resetUserlistRefs } from '../auth/auth-fetches.js';
import { freshCache, parseCacheLine, finishCache, type CacheModel } from '../cache/cache-config.js';
import { checkCacheRefs, resetCacheRefs, noteCacheRef } from '../cache/cache-actions.js';
import { beginStickParse, enterStickSection, finishStickParse, parseStickSectionKeyword } from '../stick/stick-config.js';
import { IGNORED_GLOBAL, IGNORED_OPTIONS, IGNORED_PROXY } from './ignored-keywords.js';
import { parseTcpRequest, parseTcpResponse } from '../tcp/tcp-rules.js';
import { checkModes } from '../tcp/mode-check.js';

type SectionKind = 'global' | 'defaults' | 'frontend' | 'backend' | 'listen';
const TIMEOUTS = new Set<TimeoutName>([
  'connect',
  'client',
  'server',
  'http-request',
  'http-keep-alive',
  'queue',
  'check',
  'tunnel',
  'client-fin',
  'server-fin',
]);
const IGNORED_SECTIONS = new Set(['resolvers', 'peers', 'mailers', 'ring']);

function freshSettings(): ProxySettings {
  // HAProxy's default mode is tcp: a section that never says 'mode http' is a TCP proxy.
  return { mode: 'tcp', timeouts: {}, httplog: false, logEnabled: false, balance: { algo: 'roundrobin' }, retries: 3, defaultServer: {} };
}

function copySettings(s: ProxySettings): ProxySettings {
  return { ...s, timeouts: { ...s.timeouts }, defaultServer: { ...s.defaultServer } };
}

const RETRY_ON = new Set([
  'none',
  'conn-failure',
  'empty-response',
  'junk-response',
  'response-timeout',
  '0rtt-rejected',
  '401',
  '403',
  '404',
  '408',
  '425',
  '500',
  '501',
  '502',
  '503',
  '504',
  'all-retryable-errors',
]);

/** `retry-on` replaces any earlier list; `all-retryable-errors` stands for its members. */
function parseRetryOn(words: readonly string[], at: Loc): string[] {
  const out = new Set<string>();
  if (words.length < 2) throw syntaxError(at, `'retry-on' needs at least one keyword, e.g. 'retry-on conn-failure empty-response 503'`);
  for (const w of words.slice(1)) {
    if (!RETRY_ON.has(w))
      throw syntaxError(
        at,
        `'retry-on': unknown keyword '${w}'; expected none, conn-failure, empty-response, junk-response, response-timeout, 0rtt-rejected, all-retryable-errors or one of 401 403 404 408 425 500 501 502 503 504`,
      );
    if (w === 'all-retryable-errors')
      for (const k of ['conn-failure', 'empty-response', 'junk-response', 'response-timeout', '0rtt-rejected', '500', '502', '503', '504']) out.add(k);
    else out.add(w);
  }
  if (out.has('none')) {
    if (words.length > 2) throw syntaxError(at, `'retry-on none' must be used alone`);
    return [];
  }
  return [...out];
}

function positiveInt(text: string | undefined, at: Loc, what: string): number {
  if (text === undefined || !/^\d+$/.test(text)) throw syntaxError(at, `${what} needs a whole number, got '${text ?? ''}'`);
  return Number(text);
}

function timeArg(text: string | undefined, at: Loc, what: string): number {
  const ms = text === undefined ? null : parseTime(text);
  if (ms === null) throw syntaxError(at, `${what} needs a time such as 5s or 500ms (units us, ms, s, m, h, d), got '${text ?? ''}'`);
  return ms;
}

/**
 * Turns configuration text into a ConfigModel. Every statement is checked
 * against what docklab can do: unsupported keywords that would change routing
 * or security throw; harmless ones become warnings. References (backends,
 * ACL names) are checked once the whole file is read.
 */
export class ConfigParser {
  private readonly global: GlobalModel = { logStdout: false, warnings: [] };
  private readonly frontends: ProxySection[] = [];
  private readonly backends: ProxySection[] = [];
  private readonly warnings: string[] = [];
  private readonly namedDefaults = new Map<string, ProxySettings>();
  private defaults: ProxySettings = freshSettings();
  private kind: SectionKind | null = null;
  private section: ProxySection | null = null;
  private sectionSettings: ProxySettings | null = null;
  private skippingSection = false;
  private readonly userlists: UserlistModel[] = [];
  /** The `userlist` section being read, if any. */
  private userlist: UserlistModel | null = null;
  private readonly caches: CacheModel[] = [];
  /** The `cache` section being read, if any. */
  private cache: CacheModel | null = null;
  private crtBase = '';
  /** Where relative file names resolve (`default-path`); read it through resolvePath(). */
  pathBase: PathBase = defaultPathBase();
  /** Warnings HAProxy itself would print: with `zero-warning` any of them refuses the file. */
  private readonly haproxyWarnings: string[] = [];
  private reader: ConfigReader | null = null;
  /** `http-errors` sections by name, and the one being read. */
  private readonly httpErrors = new Map<string, Map<number, ErrorFileMessage>>();
  private currentHttpErrors: Map<number, ErrorFileMessage> | null = null;
  /** Proxies with a `redirect` rule (HAProxy runs those after every http-request rule). */
  private readonly redirectSections = new WeakSet<ProxySection>();

  constructor(
    private readonly file: string,
    private readonly configDir: string = process.cwd(),
  ) {
    resetUserlistRefs();
    resetCacheRefs();
  }

  /**
   * `dir` is the directory of the file (for `default-path config|parent`);
   * `env` the environment `"${VAR}"` reads (a copy: `setenv` never leaks out).
   */
  static parseText(text: string, file: string, opts: { dir?: string; env?: NodeJS.ProcessEnv; fromFile?: boolean } = {}): ConfigModel {
    const parser = new ConfigParser(file, opts.dir);
    beginStickParse();
    const reader = new ConfigReader(
      text,
      file,
      opts.env ?? process.env,
      {
        warning: (m) => {
          const w = m.replace(/^([^:]+:\d+): /, '$1: warning: ');
          parser.haproxyWarnings.push(w);
          parser.warnings.push(w);
        },
        notice: (m) => {
          parser.warnings.push(m.replace(/^([^:]+:\d+): /, '$1: notice: '));
        },
        note: (m) => {
          parser.warnings.push(m);
        },
      },
      opts.fromFile ?? false,
    );
    parser.reader = reader;
    // Map and pattern files read while parsing follow this file's default-path.
    setConfigPathResolver((f) => parser.resolvePath(f));
    try {
      for (const line of reader.lines()) parser.statement(line);
      return parser.finish();
    } finally {
      setConfigPathResolver(undefined);
    }
  }

  /** An absolute path for a file name written in the configuration, honouring `default-path`. */
  resolvePath(path: string): string {
    return resolveConfigPath(this.pathBase, path);
  }

  private warn(at: Loc, message: string): void {
    this.warnings.push(`${where(at)}: warning: ${message}`);
  }

  /** A warning HAProxy 2.6 gives too (counts for `zero-warning`); docklab's own "ignored" notes do not. */
  private haproxyWarn(at: Loc, message: string): void {
    this.warn(at, message);
    this.haproxyWarnings.push(this.warnings[this.warnings.length - 1]!);
  }

  private statement(line: ConfigLine): void {
    const [kw] = line.words as [string, ...string[]];
    const at: Loc = { file: line.file, line: line.line };
    if (kw === 'http-errors') {
      this.currentHttpErrors = openHttpErrors(this.httpErrors, line.words, at);
      this.kind = null;
      this.section = null;
      this.skippingSection = true;
      this.userlist = null;
      this.cache = null;
      return;
    }
    if (this.currentHttpErrors) {
      if (!isSectionKeyword(kw)) {
        httpErrorsLine(this.currentHttpErrors, line.words, at, (f) => this.resolvePath(f));
        return;
      }
      this.currentHttpErrors = null;
    }
    if (kw === 'global' || kw === 'defaults' || kw === 'frontend' || kw === 'backend' || kw === 'listen') {
      this.openSection(kw, line.words.slice(1), at);
      return;
    }
    if (IGNORED_SECTIONS.has(kw)) {
      this.warn(
        at,
        kw === 'peers'
          ? `section 'peers' is ignored by docklab: stick tables are not synchronised with other instances (with --workers they are shared by the workers)`
          : `section '${kw}' is ignored by docklab (server names are resolved once at start)`,
      );
      this.kind = null;
      this.section = null;
      this.skippingSection = true;
      this.userlist = null;
      this.cache = null;
      return;
    }
    if (kw === 'program') {
      // A program section only asks the master process to run a command next to the proxy.
      this.warn(at, `section 'program' is ignored by docklab: the command it names is not started`);
      this.kind = null;
      this.section = null;
      this.skippingSection = true;
      this.userlist = null;
      this.cache = null;
      return;
    }
    if (kw === 'fcgi-app') {
      throw unsupportedError(at, `section '${kw}' is not supported; remove it and anything that refers to it`);
    }
    if (kw === 'userlist') {
      this.openUserlist(line.words[1], at);
      return;
    }
    if (kw === 'cache') {
      this.openCache(line.words[1], at);
      return;
    }
    if (this.userlist) {
      parseUserlistLine(this.userlist, line.words, at);
      return;
    }
    if (this.cache) {
      parseCacheLine(this.cache, line.words, at);
      return;
    }
    if (this.skippingSection) return;
    if (this.kind === null) throw syntaxError(at, `'${kw}' appears before any section; put it under global, defaults, frontend, backend or listen`);
    if (this.kind === 'global') this.globalKeyword(line.words, at);
    else this.proxyKeyword(line.words, at);
  }

  private openCache(name: string | undefined, at: Loc): void {
    if (!name) throw syntaxError(at, `'cache' needs a name, e.g. 'cache static'`);
    if (this.caches.some((c) => c.name === name)) throw syntaxError(at, `cache '${name}' is declared twice`);
    this.kind = null;
    this.section = null;
    this.skippingSection = false;
    this.userlist = null;
    this.cache = freshCache(name, at);
    this.caches.push(this.cache);
  }

  private openUserlist(name: string | undefined, at: Loc): void {
    if (!name) throw syntaxError(at, `'userlist' needs a name, e.g. 'userlist admins'`);
    if (this.userlists.some((u) => u.name === name)) throw syntaxError(at, `userlist '${name}' is declared twice`);
    this.kind = null;
    this.section = null;
    this.skippingSection = false;
    this.cache = null;
    this.userlist = { name, users: [], groups: [], loc: at };
    this.userlists.push(this.userlist);
  }

  private openSection(kind: SectionKind, args: readonly string[], at: Loc): void {
    this.skippingSection = false;
    this.userlist = null;
    this.cache = null;
    this.kind = kind;
    this.section = null;
    enterStickSection(kind === 'global' || kind === 'defaults' ? undefined : args[0]);
    if (kind === 'global') return;
    if (kind === 'defaults') {
      this.defaults = freshSettings();
      this.sectionSettings = this.defaults;
      if (args[0] && args[0] !== 'from') this.namedDefaults.set(args[0], this.defaults);
      return;
    }
    const name = args[0];
    if (!name) throw syntaxError(at, `'${kind}' needs a name, e.g. '${kind} web'`);
    if (!/^[A-Za-z0-9_.:-]+$/.test(name)) throw syntaxError(at, `invalid ${kind} name '${name}'; use letters, digits, '-', '_', '.', ':'`);
    let base = this.defaults;
    let rest = args.slice(1);
    if (rest[0] === 'from') {
      const named = rest[1] ? this.namedDefaults.get(rest[1]) : undefined;
      if (!named) throw referenceError(at, `defaults section '${rest[1] ?? ''}' named after 'from' does not exist; declare it above`);
      base = named;
      rest = rest.slice(2);
    }
    const clash = (kind !== 'backend' ? this.frontends : []).concat(kind !== 'frontend' ? this.backends : []).find((p) => p.name === name);
    if (clash) throw syntaxError(at, `${kind} '${name}' has the same name as the ${clash.kind} at line ${clash.loc.line}; rename one`);
    const section: ProxySection = {
      kind,
      name,
      loc: at,
      settings: copySettings(base),
      binds: [],
      acls: [],
      requestRules: [],
      responseRules: [],
      useBackends: [],
      servers: [],
    };
    if (kind === 'backend') delete section.settings.defaultBackend;
    this.section = section;
    this.sectionSettings = section.settings;
    if (kind !== 'backend') this.frontends.push(section);
    if (kind !== 'frontend') this.backends.push(section);
    if (rest.length > 0 && kind !== 'backend' && /[:@]|^\d|^\*/.test(rest[0]!)) {
      // HAProxy 2.6 removed the address after the proxy name.
      throw syntaxError(at, `an address after the ${kind} name ('${rest[0]}') is not accepted; please use the 'bind' keyword for listening addresses`);
    }
    if (rest.length > 0) throw syntaxError(at, `unexpected '${rest.join(' ')}' after ${kind} name`);
  }

  private globalKeyword(words: readonly string[], at: Loc): void {
    const [kw, a1] = words as [string, string?];
    switch (kw) {
      case 'maxconn':
        this.global.maxconn = positiveInt(a1, at, 'maxconn');
        return;
      case 'nbthread':
        this.global.nbthread = positiveInt(a1, at, 'nbthread');
        return;
      case 'crt-base':
        this.crtBase = a1 ?? '';
        return;
      case 'server-state-file':
      case 'server-state-base':
        if (!a1) throw syntaxError(at, `'${kw}' expects a file or directory name`);
        // Server state is saved by HAProxy's runtime API before a reload; docklab keeps state only while it runs.
        this.warn(at, `'${kw}' is ignored by docklab: servers start from the configuration's state`);
        return;
      case 'ssl-server-verify':
        if (a1 !== 'none' && a1 !== 'required') throw syntaxError(at, `'ssl-server-verify' expects 'none' or 'required', got '${a1 ?? ''}'`);
        this.global.sslServerVerify = a1;
        return;
      case 'log':
        if (a1 === undefined) throw syntaxError(at, `'log' needs a target such as stdout, stderr or an address`);
        if (a1 === 'stdout' || a1 === 'stderr') {
          this.global.logStdout = true;
          return;
        }
        this.global.logStdout = true;
        this.warn(at, `log target '${a1 ?? ''}' is not supported; logs are written to stdout instead`);
        return;
      case 'nbproc':
        throw syntaxError(at, `'nbproc' was removed from HAProxy; use 'nbthread' instead`);
      case 'lua-load':
      case 'lua-prepend-path':
        throw unsupportedError(at, `'${kw}' (Lua scripts) is not supported; remove it`);
    }
    if (this.globalDirective(words, at)) return;
    if (kw.startsWith('tune.') || IGNORED_GLOBAL.has(kw)) {
      this.warn(at, `'${kw}' in global section is ignored by docklab`);
      return;
    }
    throw unsupportedError(at, `unknown or unsupported keyword '${kw}' in global section; remove it or use a supported one (maxconn, nbthread, log, crt-base)`);
  }

  private globalDirective(words: readonly string[], at: Loc): boolean {
    const state: GlobalDirectiveState = {
      global: this.global,
      env: this.reader?.env ?? {},
      configDir: this.configDir,
      setPathBase: (b) => {
        this.pathBase = b;
      },
      warn: (a, m) => this.warn(a, m),
      haproxyWarn: (a, m) => this.haproxyWarn(a, m),
    };
    return parseGlobalDirective(words, at, state);
  }

  private proxyKeyword(words: readonly string[], at: Loc): void {
    const kw = words[0]!;
    const settings = this.sectionSettings!;
    const section = this.section;
    const where_ = this.kind!;
    const needs = (allowed: SectionKind[]) => {
      if (!allowed.includes(where_)) throw syntaxError(at, `'${kw}' is not allowed in a ${where_} section; move it to ${allowed.join(' or ')}`);
    };
    switch (kw) {
      case 'mode': {
        if (words[1] !== 'http' && words[1] !== 'tcp') throw syntaxError(at, `'mode' expects 'http' or 'tcp', got '${words[1] ?? ''}'`);
        settings.mode = words[1];
        return;
      }
      case 'tcp-request':
        parseTcpRequest(words, at, section, settings);
        return;
      case 'tcp-response':
        parseTcpResponse(words, at, section, settings);
        return;
      case 'maxconn':
        settings.maxconn = positiveInt(words[1], at, 'maxconn');
        return;
      case 'timeout': {
        const name = words[1] as TimeoutName | undefined;
        if (name === 'tarpit') {
          settings.timeouts.tarpit = timeArg(words[2], at, 'timeout tarpit');
          return;
        }
        if (!name || !TIMEOUTS.has(name))
          throw syntaxError(at, `unknown timeout '${name ?? ''}'; use connect, client, server, http-request, http-keep-alive, queue, check or tunnel`);
        settings.timeouts[name] = this.timeoutValue(words[2], at, `timeout ${name}`);
        return;
      }
      case 'contimeout':
      case 'clitimeout':
      case 'srvtimeout':
        throw syntaxError(
          at,
          `'${kw}' was removed from HAProxy; write 'timeout ${kw === 'contimeout' ? 'connect' : kw === 'clitimeout' ? 'client' : 'server'} …' instead`,
        );
      case 'retries':
        settings.retries = positiveInt(words[1], at, 'retries');
        return;
      case 'retry-on':
        if (where_ === 'frontend') throw syntaxError(at, `'retry-on' only available in backend or listen section`);
        settings.retryOn = parseRetryOn(words, at);
        return;
      case 'http-reuse': {
        const mode = words[1];
        if (where_ === 'frontend') {
          this.warn(at, `'http-reuse' ignored because frontend '${section?.name ?? ''}' has no backend capability`);
          return;
        }
        if (mode !== 'never' && mode !== 'safe' && mode !== 'aggressive' && mode !== 'always')
          throw syntaxError(at, `'http-reuse' expects never, safe, aggressive or always`);
        settings.httpReuse = mode;
        return;
      }
      case 'balance':
        parseBalance(words, at, settings);
        return;
      case 'hash-type':
        parseHashType(words, at, settings);
        return;
      case 'option':
      case 'no':
        if (kw === 'no' && words[1] === 'log') {
          if (words.length > 2) throw syntaxError(at, `'no log' does not expect arguments`);
          settings.logEnabled = false;
          return;
        }
        this.parseOption(words, at, settings);
        return;
      case 'log': {
        settings.logEnabled = true;
        if (words[1] !== 'global' && words[1] !== 'stdout' && words[1] !== 'stderr')
          this.warn(at, `log target '${words[1] ?? ''}' is not supported; logs go to stdout`);
        return;
      }
      case 'default_backend': {
        needs(['defaults', 'frontend', 'listen']);
        if (!words[1]) throw syntaxError(at, `'default_backend' needs a backend name`);
        settings.defaultBackend = { name: words[1], loc: at };
        return;
      }
      case 'cookie':
        parseCookie(words, at, settings);
        return;
      case 'server-state-file-name':
        this.warn(at, `'server-state-file-name' is ignored by docklab: servers start from the configuration's state`);
        return;
      case 'dynamic-cookie-key':
        if (!words[1]) throw syntaxError(at, `'dynamic-cookie-key' expects a key`);
        settings.dynamicCookieKey = words[1];
        return;
      case 'default-server':
        settings.defaultServer = { ...settings.defaultServer, ...this.parseServerOptions(words.slice(1), at) };
        return;
      case 'http-check':
        parseHttpCheckLine(words, at, settings, (a, m) => this.warn(a, m));
        return;
      case 'tcp-check':
        parseTcpCheckLine(words, at, settings);
        return;
      case 'log-format':
      case 'unique-id-format': {
        if (words.length !== 2) throw syntaxError(at, `'${kw}' expects exactly one argument (quote the format if it has spaces)`);
        const fmt = CustomLogFormat.compile(words[1]!, at);
        if (kw === 'unique-id-format') settings.uniqueIdFormat = fmt;
        else if (where_ === 'backend') this.haproxyWarn(at, `'log-format' is ignored in a backend section: logs are formatted by the frontend`);
        else settings.logFormat = fmt;
        return;
      }
      case 'unique-id-header':
        if (!words[1]) throw syntaxError(at, `'unique-id-header' expects a header name`);
        settings.uniqueIdHeader = words[1];
        return;
      case 'http-error':
        parseHttpErrorKeyword(
          words,
          at,
          settings,
          (args) => parseHttpReply(args, at, 'return', (f) => this.resolvePath(f), positiveInt),
          (st) => REASONS[st] ?? 'Unknown',
        );
        return;
      case 'log-format-sd':
        if (words.length !== 2) throw syntaxError(at, `'log-format-sd' expects exactly one argument`);
        this.warn(at, `'log-format-sd' is ignored by docklab: logs go to stdout without RFC 5424 structured data`);
        return;
      case 'errorfile':
      case 'errorfiles':
      case 'errorloc':
      case 'errorloc302':
      case 'errorloc303':
        parseErrorFileKeyword(words, at, settings, (f) => this.resolvePath(f));
        return;
      case 'stats':
        this.parseStats(words, at, section);
        return;
      case 'filter':
        // The cache filter only needs declaring when other filters share the proxy; it changes nothing alone.
        if (words[1] === 'cache' && section) {
          if (!words[2] || words.length > 3) throw syntaxError(at, `'filter cache' needs a cache name`);
          noteCacheRef(words[2], at);
          return;
        }
        break;
    }
    if (where_ === 'defaults') {
      if (['bind', 'acl', 'use_backend', 'server', 'http-request', 'http-response', 'redirect'].includes(kw)) {
        throw syntaxError(at, `'${kw}' is not allowed in a defaults section; move it to a frontend, backend or listen section`);
      }
    }
    if (section) {
      switch (kw) {
        case 'bind':
          needs(['frontend', 'listen']);
          this.parseBind(words, at);
          return;
        case 'acl': {
          const name = words[1];
          if (!name || !/^[A-Za-z0-9_.:-]+$/.test(name)) throw syntaxError(at, `'acl' needs a name made of letters, digits, '-', '_', '.', ':'`);
          section.acls.push(parseAclDefinition(name, words.slice(2), at));
          return;
        }
        case 'use_backend': {
          needs(['frontend', 'listen']);
          const name = words[1];
          if (!name) throw syntaxError(at, `'use_backend' needs a backend name`);
          const { args, cond } = splitCondition(words, 2, at);
          if (args.length > 0) throw syntaxError(at, `unexpected '${args.join(' ')}' after use_backend ${name}; expected 'if' or 'unless'`);
          // A log-format name is resolved per request (dynamic backend selection).
          const dynamic = name.includes('%[') ? { dynamic: true } : {};
          if (dynamic.dynamic) LogFormat.compile(name, at, 'request', section.kind === 'frontend');
          section.useBackends.push(cond ? { backend: name, cond, loc: at, ...dynamic } : { backend: name, loc: at, ...dynamic });
          return;
        }
        case 'server':
          needs(['backend', 'listen']);
          this.parseServer(words, at);
          return;
        case 'capture':
        case 'declare':
          parseCaptureKeyword(words, at, section);
          return;
        case 'server-template':
          needs(['backend', 'listen']);
          this.parseServerTemplate(words, at);
          return;
        case 'http-request':
          if (this.redirectSections.has(section)) this.haproxyWarn(at, `a 'http-request' rule placed after a 'redirect' rule will still be processed before`);
          else if (section.useBackends.length > 0)
            this.haproxyWarn(at, `a 'http-request' rule placed after a 'use_backend' rule will still be processed before`);
          section.requestRules.push(this.parseHttpRule(words, at, 'request'));
          return;
        case 'http-response':
          section.responseRules.push(this.parseHttpRule(words, at, 'response'));
          return;
        case 'redirect':
          if (section.useBackends.length > 0) this.haproxyWarn(at, `a 'redirect' rule placed after a 'use_backend' rule will still be processed before`);
          this.redirectSections.add(section);
          section.requestRules.push(this.parseRedirectRule(words, 1, at));
          return;
        case 'stick-table':
        case 'stick':
          parseStickSectionKeyword(words, at, section, (a, m) => this.haproxyWarn(a, m));
          return;
        case 'http-after-response':
          (section.afterResponseRules ??= []).push(this.parseHttpRule(words, at, 'after-response'));
          return;
        case 'use-server':
        case 'force-persist':
        case 'ignore-persist':
        case 'reqadd':
        case 'reqrep':
        case 'rspadd':
        case 'reqdel':
        case 'filter':
        case 'dispatch':
        case 'source':
        case 'persist':
          throw unsupportedError(at, `'${kw}' is not supported by docklab; remove it or express the rule with acl/http-request`);
      }
    }
    if (IGNORED_PROXY.has(kw)) {
      this.warn(at, `'${kw}' in ${where_} section is ignored by docklab`);
      return;
    }
    throw unsupportedError(at, `unknown or unsupported keyword '${kw}' in ${where_} section; remove it or use a supported one`);
  }

  private parseOption(words: readonly string[], at: Loc, settings: ProxySettings): void {
    const negated = words[0] === 'no';
    if (negated && words[1] !== 'option') throw unsupportedError(at, `'no ${words[1] ?? ''}' is not supported`);
    const rest = negated ? words.slice(2) : words.slice(1);
    const name = rest[0];
    switch (name) {
      case 'forceclose':
        throw syntaxError(at, `'option forceclose' was removed in HAProxy 2.0; remove it, or use 'option httpclose'`);
      case 'httpclose':
      case 'http-server-close':
      case 'http-keep-alive': {
        if (rest.length > 1) throw syntaxError(at, `'option ${name}' does not expect arguments`);
        const mode = name === 'httpclose' ? 'close' : name === 'http-server-close' ? 'server-close' : 'keep-alive';
        if (!negated) settings.httpConnMode = mode;
        else if (settings.httpConnMode === mode) delete settings.httpConnMode;
        return;
      }
      case 'httplog':
        settings.httplog = !negated;
        if (!negated) delete settings.logFormat;
        if (rest[1] === 'clf') this.warn(at, `'option httplog clf' prints the default httplog format in docklab`);
        return;
      case 'forwardfor': {
        if (negated) {
          delete settings.forwardfor;
          return;
        }
        const ff = { header: 'X-Forwarded-For', ifNone: false } as { header: string; ifNone: boolean; except?: string };
        for (let i = 1; i < rest.length; i++) {
          const w = rest[i];
          if (w === 'if-none') ff.ifNone = true;
          else if (w === 'header' && rest[i + 1]) ff.header = rest[++i]!;
          else if (w === 'except' && rest[i + 1]) ff.except = rest[++i]!;
          else throw syntaxError(at, `unexpected '${w}' after option forwardfor; expected except NET, header NAME or if-none`);
        }
        settings.forwardfor = ff;
        return;
      }
      case 'allbackups':
        settings.allBackups = !negated;
        return;
      case 'redispatch':
        if (negated) {
          delete settings.redispatch;
          return;
        }
        settings.redispatch = rest[1] !== undefined ? Number(rest[1]) : -1;
        if (!Number.isInteger(settings.redispatch)) throw syntaxError(at, `'option redispatch' takes an optional whole number`);
        return;
      case 'httpchk': {
        if (negated) {
          delete settings.httpchk;
          return;
        }
        const args = rest.slice(1);
        const chk: HttpCheckModel = { method: 'OPTIONS', uri: '/', version: 'HTTP/1.0', headers: [], expectStatus: [], loc: at };
        delete settings.tcpCheck;
        if (args.length === 1) chk.uri = args[0]!;
        else if (args.length >= 2) {
          chk.method = args[0]!;
          chk.uri = args[1]!;
          if (args[2]) {
            const [version, ...hdrLines] = args[2].split('\r\n');
            chk.version = version!;
            for (const h of hdrLines) {
              const c = h.indexOf(':');
              if (c > 0) chk.headers.push([h.slice(0, c).trim(), h.slice(c + 1).trim()]);
            }
          }
        }
        settings.httpchk = chk;
        return;
      }
      case 'tcp-check':
        if (negated) {
          delete settings.tcpCheck;
          return;
        }
        settings.tcpCheck = { loc: at };
        delete settings.httpchk;
        return;
      case 'tcplog':
        settings.tcplog = !negated;
        if (!negated) settings.httplog = false;
        return;
      case 'ssl-hello-chk':
      case 'mysql-check':
      case 'pgsql-check':
      case 'redis-check':
      case 'smtpchk':
      case 'ldap-check':
        parseCannedCheckOption(name, rest.slice(1), at, settings, negated);
        return;
      case 'spop-check':
      case 'transparent':
      case 'http_proxy':
      case 'persist':
      case 'accept-invalid-http-request':
      case 'accept-invalid-http-response':
      case 'originalto':
      case 'http-use-proxy-header':
      case 'external-check':
      case 'disable-h2-upgrade':
      case 'h1-case-adjust-bogus-client':
      case 'h1-case-adjust-bogus-server':
        throw unsupportedError(at, `'option ${name}' is not supported by docklab; remove it`);
    }
    // Kernel-level accept/connect tuning: nothing to change in how traffic is handled.
    if (name === 'tcp-smart-accept' || name === 'tcp-smart-connect') return;
    // docklab never logs connections that sent nothing, which is what this option asks.
    if (name === 'dontlognull') return;
    if (name && IGNORED_OPTIONS.has(name)) {
      const why = name === 'prefer-last-server' ? ' (connections to clients and servers are always kept alive and pooled)' : '';
      this.warn(at, `'option ${name}' is ignored by docklab${why}`);
      return;
    }
    throw unsupportedError(at, `unknown or unsupported option '${name ?? ''}'; remove it`);
  }

  private parseStats(words: readonly string[], at: Loc, section: ProxySection | null): void {
    if (!section) {
      if (words[1] === 'admin' || words[1] === 'http-request')
        throw syntaxError(at, `'stats ${words[1]}' is not allowed in a defaults section; move it to the frontend, backend or listen section`);
      const d = this.sectionSettings!;
      d.stats ??= freshStats(at);
      applyStatsLine(d.stats, words, at);
      return;
    }
    // A section's own stats lines start afresh rather than extending those of its defaults.
    section.stats ??= freshStats(at);
    applyStatsLine(section.stats, words, at);
    // As in HAProxy, the ACLs a stats condition names must be declared above it.
    checkStatsAcls([section]);
  }

  private parseBind(words: readonly string[], at: Loc): void {
    const addrText = words[1];
    if (!addrText) throw syntaxError(at, `'bind' needs an address, e.g. 'bind :80' or 'bind 127.0.0.1:8080'`);
    const opts = parseBindOptions(words.slice(2), at, {
      global: this.global,
      crtBase: this.crtBase,
      resolvePath: (f) => this.resolvePath(f),
      warn: (a, m) => this.warn(a, m),
      haproxyWarn: (a, m) => this.haproxyWarn(a, m),
    });
    for (const one of addrText.split(',')) {
      const { host, port } = this.parseAddress(one, at, 'bind');
      const bind: BindModel = {
        host,
        port,
        ssl: opts.ssl,
        certFiles: opts.certFiles,
        alpn: opts.alpn,
        loc: at,
        ...(opts.tls ? { tls: opts.tls } : {}),
        ...(opts.acceptProxy ? { acceptProxy: true } : {}),
        ...(opts.name ? { name: opts.name } : {}),
      };
      this.section!.binds.push(bind);
    }
  }

  private parseAddress(text: string, at: Loc, what: 'bind' | 'server', optionalPort = false): { host: string; port: number } {
    let t = text;
    if (/^(ipv4|ipv6|unix|abns|fd|sockpair|udp|quic)[46]?@/.test(t)) {
      if (t.startsWith('ipv4@') || t.startsWith('ipv6@')) t = t.slice(5);
      else throw unsupportedError(at, `address family in '${text}' is not supported; use HOST:PORT`);
    }
    let host: string;
    let portText: string | undefined;
    const bracket = /^\[([^\]]+)\](?::(.*))?$/.exec(t);
    if (bracket) {
      host = bracket[1]!;
      portText = bracket[2];
    } else {
      const colon = t.lastIndexOf(':');
      if (colon < 0) {
        host = t;
        portText = undefined;
      } else if (t.indexOf(':') !== colon) {
        host = t;
        portText = undefined;
      } else {
        host = t.slice(0, colon);
        portText = t.slice(colon + 1);
      }
    }
    if (host === '*') host = '';
    if (portText === undefined || portText === '') {
      if (optionalPort) return { host, port: 0 };
      throw syntaxError(at, `${what} address '${text}' has no port; write HOST:PORT`);
    }
    if (/^\d+-\d+$/.test(portText)) throw unsupportedError(at, `port ranges ('${portText}') are not supported; bind each port`);
    if (/^[+-]/.test(portText)) throw unsupportedError(at, `relative ports ('${portText}') are not supported`);
    if (!/^\d+$/.test(portText) || Number(portText) > 65535) throw syntaxError(at, `invalid port '${portText}' in '${text}'`);
    return { host, port: Number(portText) };
  }

  /** `server-template PREFIX NUM|RANGE HOST[:PORT] [options]`: names resolve once at start, every server gets the address. */
  private parseServerTemplate(words: readonly string[], at: Loc): void {
    const [, prefix, range, addr] = words;
    if (!prefix || !range || !addr)
      throw syntaxError(at, `'server-template' needs a prefix, a number or range and an address, e.g. 'server-template web 1-3 app:8080 check'`);
    const names = templateNames(prefix, range, at);
    try {
      names.forEach((name, i) => {
        // One warning per line, not per server it makes.
        this.templateRepeat = i > 0;
        this.parseServer(['server', name, addr, ...words.slice(4)], at);
      });
    } finally {
      this.templateRepeat = false;
    }
  }

  /** Set while the second and later servers of a server-template line are parsed. */
  private templateRepeat = false;

  private parseServer(words: readonly string[], at: Loc): void {
    const name = words[1];
    const addr = words[2];
    if (!name || !addr) throw syntaxError(at, `'server' needs a name and an address, e.g. 'server web1 10.0.0.5:8080 check'`);
    const section = this.section!;
    const clash = section.servers.find((s) => s.name === name);
    if (clash) throw syntaxError(at, `server '${name}' is already declared at line ${clash.loc.line}; give each server its own name`);
    const { host, port } = this.parseAddress(addr, at, 'server', true);
    const options = { ...section.settings.defaultServer, ...this.parseServerOptions(words.slice(3), at) };
    // No port: the port the client connected to (checked against the section's mode once the file is read).
    section.servers.push({ name, host, port, options, loc: at } satisfies ServerModel);
  }

  private parseServerOptions(words: readonly string[], at: Loc): ServerOptions {
    return parseServerOptions(words, at, {
      warn: (a, m) => {
        if (!this.templateRepeat) this.warn(a, m);
      },
      resolvePath: (f) => this.resolvePath(f),
    });
  }

  private parseHttpRule(words: readonly string[], at: Loc, side: 'request' | 'response' | 'after-response'): HttpRule {
    const action = words[1];
    if (!action) throw syntaxError(at, `'http-${side}' needs an action`);
    if (action === 'redirect' && side === 'request') return this.parseRedirectRule(words, 2, at);
    const { args, cond } = splitCondition(words, 2, at);
    const rule = (a: HttpRequestAction): HttpRule => (cond ? { action: a, cond, loc: at } : { action: a, loc: at });
    const registered = lookupAction(action);
    if (registered && registered.def.sides.includes(`http-${side}`)) {
      const { def, paren } = registered;
      if (def.paren && paren === undefined) throw syntaxError(at, `'http-${side} ${def.name}' needs its argument in parentheses, e.g. '${def.name}(txn.name)'`);
      if (!def.paren && paren !== undefined) throw syntaxError(at, `'http-${side} ${def.name}' takes no parenthesised argument`);
      return rule({ kind: 'registered', name: def.name, run: def.parse([...args], { at, side: `http-${side}`, section: this.section!, paren }) });
    }
    const headerName = (n: string | undefined) => {
      if (!n || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(n)) throw syntaxError(at, `'${action}' needs a valid header name, got '${n ?? ''}'`);
      return n;
    };
    switch (action) {
      case 'allow':
        if (args.length) throw syntaxError(at, `unexpected '${args[0]}' after allow`);
        return rule({ kind: 'allow' });
      case 'set-header':
      case 'add-header': {
        if (args.length !== 2) throw syntaxError(at, `'http-${side} ${action}' needs a name and one value (quote values with spaces)`);
        return rule({ kind: action, name: headerName(args[0]), format: args[1]! });
      }
      case 'del-header': {
        if (args.length !== 1) throw unsupportedError(at, `'del-header' takes exactly one header name here (-m is not supported)`);
        // HAProxy takes any word as a literal name here; one that is no header name simply never matches.
        if (!args[0]) throw syntaxError(at, `'del-header' needs a header name`);
        return rule({ kind: 'del-header', name: args[0] });
      }
    }
    if (side === 'request') {
      switch (action) {
        case 'deny':
        case 'return': {
          const p = parseHttpReply(args, at, action, (f) => this.resolvePath(f), positiveInt);
          if (action === 'deny') {
            const d: HttpRequestAction & { kind: 'deny' } = { kind: 'deny', status: p.status };
            if (p.reply) {
              d.reply = p.reply;
              d.headers = p.headers;
            }
            if (p.contentType !== undefined) d.contentType = p.contentType;
            if (p.body !== undefined) d.body = p.body;
            return rule(d);
          }
          const r: HttpRequestAction & { kind: 'return' } = { kind: 'return', status: p.status, headers: p.headers };
          if (p.contentType !== undefined) r.contentType = p.contentType;
          if (p.body !== undefined) r.body = p.body;
          if (p.reply) r.reply = p.reply;
          return rule(r);
        }
        case 'set-path':
        case 'set-query':
        case 'set-uri':
        case 'set-method':
          if (args.length !== 1) throw syntaxError(at, `'${action}' needs exactly one value (quote it if it has spaces)`);
          return rule({ kind: action, format: args[0]! });
      }
    }
    throw unsupportedError(
      at,
      `'http-${side} ${action}' is not supported; supported: ${side === 'request' ? 'allow, deny, return, redirect, set-header, add-header, del-header, set-path, set-query, set-uri, set-method' : 'allow, set-header, add-header, del-header'}`,
    );
  }

  /**
   * A timeout value. Like HAProxy 2.6, characters after a valid unit (`15min`
   * reads as 15 minutes) only give a warning; a value without a valid unit is an error.
   */
  private timeoutValue(text: string | undefined, at: Loc, what: string): number {
    if (text === undefined || parseTime(text) !== null) return timeArg(text, at, what);
    const m = /^(\d+(?:us|ms|s|m|h|d))(.+)$/.exec(text);
    if (!m) return timeArg(text, at, what);
    this.haproxyWarn(at, `unexpected character '${m[2]![0]}' after the timer value '${text}', only us, ms, s, m, h and d are supported; read as ${m[1]}`);
    return parseTime(m[1]!)!;
  }

  private parseRedirectRule(words: readonly string[], from: number, at: Loc): HttpRule {
    const { args: all, cond } = splitCondition(words, from, at);
    // HAProxy takes the redirect's options in any order around its type and value.
    const typeAt = all.findIndex((w) => w === 'location' || w === 'prefix' || w === 'scheme');
    if (typeAt < 0) throw syntaxError(at, `redirect needs 'location', 'prefix' or 'scheme', got '${all[0] ?? ''}'`);
    const type = all[typeAt] as 'location' | 'prefix' | 'scheme';
    const value = all[typeAt + 1];
    if (value === undefined) throw syntaxError(at, `'redirect ${type}' needs a value`);
    const args = [type, value, ...all.slice(0, typeAt), ...all.slice(typeAt + 2)];
    const action: HttpRequestAction & { kind: 'redirect' } = { kind: 'redirect', type, value, code: 302, dropQuery: false, appendSlash: false };
    for (let i = 2; i < args.length; i++) {
      const w = args[i];
      if (w === 'code') {
        action.code = positiveInt(args[++i], at, 'code');
        if (![301, 302, 303, 307, 308].includes(action.code)) throw syntaxError(at, `redirect code must be 301, 302, 303, 307 or 308`);
      } else if (w === 'drop-query') action.dropQuery = true;
      else if (w === 'append-slash') action.appendSlash = true;
      else if (w === 'set-cookie' || w === 'clear-cookie') {
        const v = args[++i];
        if (!v) throw syntaxError(at, `'${w}' needs NAME[=VALUE]`);
        action.cookie = { set: w === 'set-cookie', value: v };
      } else throw unsupportedError(at, `redirect option '${w}' is not supported; use code, drop-query, append-slash, set-cookie or clear-cookie`);
    }
    return cond ? { action, cond, loc: at } : { action, loc: at };
  }

  private finish(): ConfigModel {
    const backendNames = new Map(this.backends.map((b) => [b.name, b]));
    for (const fe of this.frontends) {
      const def = fe.settings.defaultBackend;
      if (def && !backendNames.has(def.name))
        throw referenceError(def.loc, `default_backend '${def.name}' does not exist; declare 'backend ${def.name}' or fix the name`);
      for (const ub of fe.useBackends) {
        if (!ub.dynamic && !backendNames.has(ub.backend))
          throw referenceError(ub.loc, `use_backend '${ub.backend}' names no backend; declare 'backend ${ub.backend}' or fix the name`);
      }
      if (fe.binds.length === 0) this.haproxyWarn(fe.loc, `${fe.kind} '${fe.name}' has no 'bind' line and will not receive traffic`);
    }
    for (const proxy of new Set([...this.frontends, ...this.backends])) {
      // HAProxy resolves a condition's ACL names while reading the rule's line, so an
      // ACL declared further down the section is as unknown there as a missing one.
      const firstLine = new Map<string, number>();
      for (const a of proxy.acls) if (!firstLine.has(a.name)) firstLine.set(a.name, a.loc.line);
      const check = (rule: { cond?: { groups: readonly (readonly { name?: string }[])[] } }, loc: Loc) => {
        for (const g of rule.cond?.groups ?? [])
          for (const t of g) {
            if (!t.name || PREDEFINED_ACLS.has(t.name)) continue;
            const declared = firstLine.get(t.name);
            if (declared === undefined) {
              throw referenceError(loc, `ACL '${t.name}' is not declared in ${proxy.kind} '${proxy.name}'; add 'acl ${t.name} …' above or fix the name`);
            }
            if (declared > loc.line) {
              throw referenceError(
                loc,
                `ACL '${t.name}' is used before its declaration at line ${declared} in ${proxy.kind} '${proxy.name}'; move 'acl ${t.name} …' above this line`,
              );
            }
          }
      };
      for (const r of proxy.requestRules) check(r, r.loc);
      for (const r of proxy.responseRules) check(r, r.loc);
      for (const r of proxy.afterResponseRules ?? []) check(r, r.loc);
      for (const r of proxy.useBackends) check(r, r.loc);
      for (const r of proxy.tcpRules ?? []) check(r, r.loc);
      for (const r of proxy.stickRules ?? []) check(r, r.loc);
      if (proxy.kind !== 'frontend' && proxy.settings.cookie) {
        if (!proxy.settings.cookie.dynamic && !proxy.servers.some((s) => s.options.cookie))
          this.warn(proxy.settings.cookie.loc, `cookie '${proxy.settings.cookie.name}' is set but no server has 'cookie VALUE'; no cookie will be inserted`);
      }
    }
    for (const b of this.backends) checkServers(b.servers, this.global.sslServerVerify, b.name);
    for (const proxy of new Set([...this.frontends, ...this.backends])) {
      const t = proxy.settings.timeouts;
      const fe = proxy.kind !== 'backend';
      const be = proxy.kind !== 'frontend';
      if ((fe && !t.client) || (be && (!t.connect || !t.server))) {
        this.haproxyWarn(
          proxy.loc,
          `missing timeouts for ${proxy.kind} '${proxy.name}': set 'timeout client', 'timeout connect' and 'timeout server' to non-zero values`,
        );
      }
    }
    finishStickParse([...new Set([...this.frontends, ...this.backends])], (a, m) => this.haproxyWarn(a, m));
    finishErrorFiles(new Set([...this.frontends, ...this.backends]), this.httpErrors);
    resolveReplySections(new Set([...this.frontends, ...this.backends]), this.httpErrors, (a, m) => this.haproxyWarn(a, m));
    // Last, once every reference is checked: what HTTP-only keywords a TCP section holds is then dropped.
    checkModes(this.frontends, this.backends, (a, m) => this.haproxyWarn(a, m));
    if (this.global.zeroWarning && this.haproxyWarnings.length > 0) {
      throw syntaxError(
        this.global.zeroWarning,
        `some warnings were found and 'zero-warning' is set; fix these (HAProxy gives them too):\n${this.haproxyWarnings.join('\n')}`,
      );
    }
    for (const u of this.userlists) checkUserlist(u);
    checkUserlistRefs(this.userlists, [...new Set([...this.frontends, ...this.backends])]);
    for (const c of this.caches) finishCache(c);
    checkCacheRefs(this.caches);
    return {
      file: this.file,
      global: this.global,
      frontends: this.frontends,
      backends: this.backends,
      warnings: this.warnings,
      userlists: this.userlists,
      caches: this.caches,
    };
  }
}
