import type {
  BindModel, ConfigModel, GlobalModel, HttpCheckModel, HttpRequestAction, HttpRule, Loc, ProxySection,
  ProxySettings, ServerModel, ServerOptions, TimeoutName,
} from './model.js';
import type { ConfigLine } from './config-line.js';
import { where } from './config-line.js';
import { tokenize } from './tokenizer.js';
import { parseTime } from './time-units.js';
import { syntaxError, unsupportedError, referenceError } from './config-errors.js';
import { parseAclDefinition, splitCondition } from '../acl/acl-parser.js';
import { PREDEFINED_ACLS } from '../acl/predefined-acls.js';
import {
  IGNORED_GLOBAL, IGNORED_OPTIONS, IGNORED_PROXY, IGNORED_SERVER_OPTIONS, SERVER_OPTIONS_WITH_VALUE,
} from './ignored-keywords.js';

type SectionKind = 'global' | 'defaults' | 'frontend' | 'backend' | 'listen';
const TIMEOUTS = new Set<TimeoutName>(['connect', 'client', 'server', 'http-request', 'http-keep-alive', 'queue', 'check', 'tunnel']);
const IGNORED_SECTIONS = new Set(['resolvers', 'peers', 'mailers', 'ring', 'cache', 'http-errors']);

function freshSettings(): ProxySettings {
  return { mode: 'http', timeouts: {}, httplog: false, logEnabled: false, balance: { algo: 'roundrobin' }, retries: 3, defaultServer: {} };
}

function copySettings(s: ProxySettings): ProxySettings {
  return { ...s, timeouts: { ...s.timeouts }, defaultServer: { ...s.defaultServer } };
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
  private crtBase = '';

  constructor(private readonly file: string) {}

  static parseText(text: string, file: string): ConfigModel {
    const parser = new ConfigParser(file);
    for (const line of tokenize(text, file)) parser.statement(line);
    return parser.finish();
  }

  private warn(at: Loc, message: string): void {
    this.warnings.push(`${where(at)}: warning: ${message}`);
  }

  private statement(line: ConfigLine): void {
    const [kw] = line.words as [string, ...string[]];
    const at: Loc = { file: line.file, line: line.line };
    if (kw === 'global' || kw === 'defaults' || kw === 'frontend' || kw === 'backend' || kw === 'listen') {
      this.openSection(kw, line.words.slice(1), at);
      return;
    }
    if (IGNORED_SECTIONS.has(kw)) {
      this.warn(at, `section '${kw}' is ignored by docklab (server names are resolved once at start)`);
      this.kind = null; this.section = null; this.skippingSection = true;
      return;
    }
    if (kw === 'userlist' || kw === 'program' || kw === 'fcgi-app') {
      throw unsupportedError(at, `section '${kw}' is not supported; remove it and anything that refers to it`);
    }
    if (this.skippingSection) return;
    if (this.kind === null) throw syntaxError(at, `'${kw}' appears before any section; put it under global, defaults, frontend, backend or listen`);
    if (this.kind === 'global') this.globalKeyword(line.words, at);
    else this.proxyKeyword(line.words, at);
  }

  private openSection(kind: SectionKind, args: readonly string[], at: Loc): void {
    this.skippingSection = false;
    this.kind = kind;
    this.section = null;
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
      kind, name, loc: at, settings: copySettings(base), binds: [], acls: [], requestRules: [], responseRules: [],
      useBackends: [], servers: [],
    };
    if (kind === 'backend') delete section.settings.defaultBackend;
    this.section = section;
    this.sectionSettings = section.settings;
    if (kind !== 'backend') this.frontends.push(section);
    if (kind !== 'frontend') this.backends.push(section);
    if (kind === 'listen' && rest[0]) this.parseBind(['bind', ...rest], at);
    else if (rest.length > 0) throw syntaxError(at, `unexpected '${rest.join(' ')}' after ${kind} name`);
  }

  private globalKeyword(words: readonly string[], at: Loc): void {
    const [kw, a1] = words as [string, string?];
    switch (kw) {
      case 'maxconn': this.global.maxconn = positiveInt(a1, at, 'maxconn'); return;
      case 'nbthread': this.global.nbthread = positiveInt(a1, at, 'nbthread'); return;
      case 'crt-base': this.crtBase = a1 ?? ''; return;
      case 'log':
        if (a1 === 'stdout' || a1 === 'stderr') { this.global.logStdout = true; return; }
        this.global.logStdout = true;
        this.warn(at, `log target '${a1 ?? ''}' is not supported; logs are written to stdout instead`);
        return;
      case 'nbproc': throw syntaxError(at, `'nbproc' was removed from HAProxy; use 'nbthread' instead`);
      case 'lua-load': case 'lua-prepend-path': throw unsupportedError(at, `'${kw}' (Lua scripts) is not supported; remove it`);
    }
    if (kw.startsWith('tune.') || IGNORED_GLOBAL.has(kw)) { this.warn(at, `'${kw}' in global section is ignored by docklab`); return; }
    throw unsupportedError(at, `unknown or unsupported keyword '${kw}' in global section; remove it or use a supported one (maxconn, nbthread, log, crt-base)`);
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
        if (words[1] !== 'http') throw unsupportedError(at, `'mode ${words[1] ?? ''}' is not supported; docklab proxies only 'mode http'`);
        return;
      }
      case 'maxconn': settings.maxconn = positiveInt(words[1], at, 'maxconn'); return;
      case 'timeout': {
        const name = words[1] as TimeoutName | undefined;
        if (name === 'client-fin' as string || name === 'server-fin' as string || name === 'tarpit' as string) { timeArg(words[2], at, `timeout ${name}`); this.warn(at, `'timeout ${name}' is ignored by docklab`); return; }
        if (!name || !TIMEOUTS.has(name)) throw syntaxError(at, `unknown timeout '${name ?? ''}'; use connect, client, server, http-request, http-keep-alive, queue, check or tunnel`);
        settings.timeouts[name] = timeArg(words[2], at, `timeout ${name}`);
        return;
      }
      case 'contimeout': case 'clitimeout': case 'srvtimeout':
        throw syntaxError(at, `'${kw}' was removed from HAProxy; write 'timeout ${kw === 'contimeout' ? 'connect' : kw === 'clitimeout' ? 'client' : 'server'} …' instead`);
      case 'retries': settings.retries = positiveInt(words[1], at, 'retries'); return;
      case 'balance': this.parseBalance(words, at, settings); return;
      case 'option': case 'no': this.parseOption(words, at, settings); return;
      case 'log': {
        settings.logEnabled = true;
        if (words[1] !== 'global' && words[1] !== 'stdout' && words[1] !== 'stderr') this.warn(at, `log target '${words[1] ?? ''}' is not supported; logs go to stdout`);
        return;
      }
      case 'default_backend': {
        needs(['defaults', 'frontend', 'listen']);
        if (!words[1]) throw syntaxError(at, `'default_backend' needs a backend name`);
        settings.defaultBackend = { name: words[1], loc: at };
        return;
      }
      case 'cookie': this.parseCookie(words, at, settings); return;
      case 'default-server': settings.defaultServer = { ...settings.defaultServer, ...this.parseServerOptions(words.slice(1), at) }; return;
      case 'http-check': this.parseHttpCheck(words, at, settings); return;
    }
    if (where_ === 'defaults') {
      if (['bind', 'acl', 'use_backend', 'server', 'http-request', 'http-response', 'redirect', 'stats'].includes(kw)) {
        throw syntaxError(at, `'${kw}' is not allowed in a defaults section; move it to a frontend, backend or listen section`);
      }
    }
    if (section) {
      switch (kw) {
        case 'bind': needs(['frontend', 'listen']); this.parseBind(words, at); return;
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
          if (name.includes('%[')) throw unsupportedError(at, `dynamic backend names ('${name}') are not supported; list one use_backend per backend`);
          const { args, cond } = splitCondition(words, 2, at);
          if (args.length > 0) throw syntaxError(at, `unexpected '${args.join(' ')}' after use_backend ${name}; expected 'if' or 'unless'`);
          section.useBackends.push(cond ? { backend: name, cond, loc: at } : { backend: name, loc: at });
          return;
        }
        case 'server': needs(['backend', 'listen']); this.parseServer(words, at); return;
        case 'http-request': section.requestRules.push(this.parseHttpRule(words, at, 'request')); return;
        case 'http-response': section.responseRules.push(this.parseHttpRule(words, at, 'response')); return;
        case 'redirect': section.requestRules.push(this.parseRedirectRule(words, 1, at)); return;
        case 'stats': this.parseStats(words, at, section); return;
        case 'tcp-request': case 'tcp-response': case 'http-after-response': case 'use-server': case 'force-persist':
        case 'ignore-persist': case 'stick-table': case 'stick': case 'reqadd': case 'reqrep': case 'rspadd': case 'reqdel':
        case 'filter': case 'dispatch': case 'source': case 'persist':
          throw unsupportedError(at, `'${kw}' is not supported by docklab; remove it or express the rule with acl/http-request`);
      }
    }
    if (IGNORED_PROXY.has(kw)) { this.warn(at, `'${kw}' in ${where_} section is ignored by docklab`); return; }
    throw unsupportedError(at, `unknown or unsupported keyword '${kw}' in ${where_} section; remove it or use a supported one`);
  }

  private parseBalance(words: readonly string[], at: Loc, settings: ProxySettings): void {
    const algo = words[1];
    switch (algo) {
      case 'roundrobin': case 'static-rr': case 'leastconn': case 'source': case 'first':
        if (words.length > 2) throw unsupportedError(at, `options after 'balance ${algo}' are not supported`);
        settings.balance = { algo, loc: at }; return;
      case 'random':
        if (words.length > 2 && !/^\d+$/.test(words[2]!)) throw unsupportedError(at, `'balance random ${words[2]}' is not supported`);
        settings.balance = { algo, loc: at }; return;
      case 'uri':
        if (words.length > 2) throw unsupportedError(at, `options after 'balance uri' (len, depth, whole, path-only) are not supported`);
        settings.balance = { algo, loc: at }; return;
      default:
        throw unsupportedError(at, `'balance ${algo ?? ''}' is not supported; use roundrobin, static-rr, leastconn, source, uri, first or random`);
    }
  }

  private parseOption(words: readonly string[], at: Loc, settings: ProxySettings): void {
    const negated = words[0] === 'no';
    if (negated && words[1] !== 'option') throw unsupportedError(at, `'no ${words[1] ?? ''}' is not supported`);
    const rest = negated ? words.slice(2) : words.slice(1);
    const name = rest[0];
    switch (name) {
      case 'httplog': settings.httplog = !negated; if (rest[1] === 'clf') this.warn(at, `'option httplog clf' prints the default httplog format in docklab`); return;
      case 'forwardfor': {
        if (negated) { delete settings.forwardfor; return; }
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
      case 'redispatch':
        if (negated) { delete settings.redispatch; return; }
        settings.redispatch = rest[1] !== undefined ? Number(rest[1]) : -1;
        if (!Number.isInteger(settings.redispatch)) throw syntaxError(at, `'option redispatch' takes an optional whole number`);
        return;
      case 'httpchk': {
        if (negated) { delete settings.httpchk; return; }
        const args = rest.slice(1);
        const chk: HttpCheckModel = { method: 'OPTIONS', uri: '/', version: 'HTTP/1.0', headers: [], expectStatus: settings.httpchk?.expectStatus ?? [], loc: at };
        if (args.length === 1) chk.uri = args[0]!;
        else if (args.length >= 2) {
          chk.method = args[0]!; chk.uri = args[1]!;
          if (args[2]) {
            const [version, ...hdrLines] = args[2].split('\r\n');
            chk.version = version!;
            for (const h of hdrLines) { const c = h.indexOf(':'); if (c > 0) chk.headers.push([h.slice(0, c).trim(), h.slice(c + 1).trim()]); }
          }
        }
        settings.httpchk = chk;
        return;
      }
      case 'tcplog': case 'tcp-check': case 'ssl-hello-chk': case 'mysql-check': case 'pgsql-check': case 'redis-check':
      case 'smtpchk': case 'ldap-check': case 'spop-check': case 'transparent': case 'http_proxy': case 'allbackups':
      case 'persist': case 'accept-invalid-http-request': case 'accept-invalid-http-response': case 'tcp-smart-accept':
      case 'tcp-smart-connect': case 'forceclose': case 'originalto': case 'http-use-proxy-header': case 'external-check':
      case 'disable-h2-upgrade': case 'h1-case-adjust-bogus-client': case 'h1-case-adjust-bogus-server':
        throw unsupportedError(at, `'option ${name}' is not supported by docklab; remove it`);
    }
    // docklab never logs connections that sent nothing, which is what this option asks.
    if (name === 'dontlognull') return;
    if (name && IGNORED_OPTIONS.has(name)) {
      const why = ['http-server-close', 'httpclose', 'http-keep-alive', 'prefer-last-server'].includes(name)
        ? ' (connections to clients and servers are always kept alive and pooled)' : '';
      this.warn(at, `'option ${name}' is ignored by docklab${why}`);
      return;
    }
    throw unsupportedError(at, `unknown or unsupported option '${name ?? ''}'; remove it`);
  }

  private parseCookie(words: readonly string[], at: Loc, settings: ProxySettings): void {
    const name = words[1];
    if (!name) throw syntaxError(at, `'cookie' needs a cookie name, e.g. 'cookie SERVERID insert indirect nocache'`);
    const c = { name, insert: false, indirect: false, nocache: false, preserve: false, httponly: false, secure: false, loc: at };
    for (const w of words.slice(2)) {
      switch (w) {
        case 'insert': c.insert = true; break;
        case 'indirect': c.indirect = true; break;
        case 'nocache': c.nocache = true; break;
        case 'preserve': c.preserve = true; break;
        case 'httponly': c.httponly = true; break;
        case 'secure': c.secure = true; break;
        default: throw unsupportedError(at, `cookie option '${w}' is not supported; use insert, indirect, nocache, preserve, httponly or secure`);
      }
    }
    if (!c.insert) throw unsupportedError(at, `only 'cookie NAME insert …' is supported (rewrite and prefix modes are not)`);
    settings.cookie = c;
  }

  private parseHttpCheck(words: readonly string[], at: Loc, settings: ProxySettings): void {
    const sub = words[1];
    const chk: HttpCheckModel = settings.httpchk ?? { method: 'OPTIONS', uri: '/', version: 'HTTP/1.0', headers: [], expectStatus: [], loc: at };
    if (sub === 'send') {
      for (let i = 2; i < words.length; i++) {
        const w = words[i]; const v = words[i + 1];
        if (v === undefined) throw syntaxError(at, `'http-check send ${w}' needs a value`);
        if (w === 'meth') chk.method = v;
        else if (w === 'uri') chk.uri = v;
        else if (w === 'ver') chk.version = v;
        else if (w === 'hdr') { const v2 = words[i + 2]; if (v2 === undefined) throw syntaxError(at, `'hdr' needs a name and a value`); chk.headers.push([v, v2]); i++; }
        else throw unsupportedError(at, `'http-check send ${w}' is not supported; use meth, uri, ver or hdr`);
        i++;
      }
    } else if (sub === 'expect') {
      if (words[2] !== 'status' || !words[3]) throw unsupportedError(at, `only 'http-check expect status CODES' is supported`);
      const ranges: [number, number][] = [];
      for (const part of words[3].split(',')) {
        const m = /^(\d{3})(?:-(\d{3}))?$/.exec(part);
        if (!m) throw syntaxError(at, `bad status '${part}' in http-check expect; write 200 or 200-399`);
        ranges.push([Number(m[1]), Number(m[2] ?? m[1])]);
      }
      chk.expectStatus = ranges;
    } else if (sub === 'disable-on-404' || sub === 'connect' || sub === 'comment') {
      this.warn(at, `'http-check ${sub}' is ignored by docklab`);
    } else {
      throw unsupportedError(at, `'http-check ${sub ?? ''}' is not supported; use 'http-check send' or 'http-check expect status'`);
    }
    // `http-check` alone does not enable HTTP checks: `option httpchk` does, as in HAProxy.
    if (settings.httpchk) settings.httpchk = chk;
    else this.pendingHttpCheck.set(settings, chk);
  }
  /** http-check lines that come before `option httpchk` in the same section. */
  private readonly pendingHttpCheck = new Map<ProxySettings, HttpCheckModel>();

  private parseStats(words: readonly string[], at: Loc, section: ProxySection): void {
    const sub = words[1];
    if (sub === 'enable') { section.stats ??= { uri: '/haproxy?stats', loc: at }; return; }
    if (sub === 'uri') {
      if (!words[2]) throw syntaxError(at, `'stats uri' needs a path, e.g. 'stats uri /stats'`);
      section.stats = { uri: words[2], loc: at };
      return;
    }
    if (sub === 'refresh' || sub === 'show-legends' || sub === 'hide-version' || sub === 'show-node' || sub === 'show-desc' || sub === 'show-modules') {
      this.warn(at, `'stats ${sub}' is ignored by docklab`);
      return;
    }
    throw unsupportedError(at, `'stats ${sub ?? ''}' is not supported (no authentication or admin actions); remove it`);
  }

  private parseBind(words: readonly string[], at: Loc): void {
    const addrText = words[1];
    if (!addrText) throw syntaxError(at, `'bind' needs an address, e.g. 'bind :80' or 'bind 127.0.0.1:8080'`);
    const ssl = { on: false, certs: [] as string[], alpn: [] as string[] };
    for (let i = 2; i < words.length; i++) {
      const w = words[i]!;
      switch (w) {
        case 'ssl': ssl.on = true; break;
        case 'crt': {
          const f = words[++i];
          if (!f) throw syntaxError(at, `'crt' needs a PEM file`);
          ssl.certs.push(f.startsWith('/') || !this.crtBase ? f : `${this.crtBase}/${f}`);
          break;
        }
        case 'alpn': {
          const list = words[++i];
          if (!list) throw syntaxError(at, `'alpn' needs a list such as h2,http/1.1`);
          ssl.alpn = list.split(',');
          for (const p of ssl.alpn) if (p !== 'h2' && p !== 'http/1.1' && p !== 'http/1.0') throw unsupportedError(at, `ALPN protocol '${p}' is not supported; use h2 and http/1.1`);
          break;
        }
        case 'name': case 'id': case 'process': case 'thread': case 'maxconn': case 'backlog': case 'ciphers': case 'ciphersuites':
        case 'ssl-min-ver': case 'ssl-max-ver': case 'curves': case 'ecdhe':
          i++; this.warn(at, `bind option '${w}' is ignored by docklab`); break;
        case 'v4v6': case 'v6only': case 'no-sslv3': case 'no-tlsv10': case 'no-tlsv11': case 'no-tls-tickets': case 'prefer-client-ciphers':
          this.warn(at, `bind option '${w}' is ignored by docklab`); break;
        default:
          throw unsupportedError(at, `bind option '${w}' is not supported; supported: ssl, crt FILE, alpn LIST`);
      }
    }
    if (ssl.on && ssl.certs.length === 0) throw syntaxError(at, `'bind … ssl' needs 'crt FILE.pem' (certificate and key in one file)`);
    if (!ssl.on && ssl.certs.length > 0) throw syntaxError(at, `'crt' without 'ssl' on this bind; add 'ssl'`);
    for (const one of addrText.split(',')) {
      const { host, port } = this.parseAddress(one, at, 'bind');
      this.section!.binds.push({ host, port, ssl: ssl.on, certFiles: ssl.certs, alpn: ssl.alpn.length ? ssl.alpn : (ssl.on ? [] : []), loc: at } satisfies BindModel);
    }
  }

  private parseAddress(text: string, at: Loc, what: 'bind' | 'server', optionalPort = false): { host: string; port: number } {
    let t = text;
    if (/^(ipv4|ipv6|unix|abns|fd|sockpair|udp|quic)[46]?@/.test(t)) {
      if (t.startsWith('ipv4@') || t.startsWith('ipv6@')) t = t.slice(5);
      else throw unsupportedError(at, `address family in '${text}' is not supported; use HOST:PORT`);
    }
    let host: string; let portText: string | undefined;
    const bracket = /^\[([^\]]+)\](?::(.*))?$/.exec(t);
    if (bracket) { host = bracket[1]!; portText = bracket[2]; }
    else {
      const colon = t.lastIndexOf(':');
      if (colon < 0) { host = t; portText = undefined; }
      else if (t.indexOf(':') !== colon) { host = t; portText = undefined; }
      else { host = t.slice(0, colon); portText = t.slice(colon + 1); }
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

  private parseServer(words: readonly string[], at: Loc): void {
    const name = words[1]; const addr = words[2];
    if (!name || !addr) throw syntaxError(at, `'server' needs a name and an address, e.g. 'server web1 10.0.0.5:8080 check'`);
    const section = this.section!;
    const clash = section.servers.find((s) => s.name === name);
    if (clash) throw syntaxError(at, `server '${name}' is already declared at line ${clash.loc.line}; give each server its own name`);
    const { host, port } = this.parseAddress(addr, at, 'server', true);
    const options = { ...section.settings.defaultServer, ...this.parseServerOptions(words.slice(3), at) };
    if (port === 0) throw unsupportedError(at, `server '${name}' has no port; write HOST:PORT (docklab does not reuse the client's port)`);
    section.servers.push({ name, host, port, options, loc: at } satisfies ServerModel);
  }

  private parseServerOptions(words: readonly string[], at: Loc): ServerOptions {
    const o: ServerOptions = {};
    for (let i = 0; i < words.length; i++) {
      const w = words[i]!;
      const value = () => { const v = words[++i]; if (v === undefined) throw syntaxError(at, `server option '${w}' needs a value`); return v; };
      switch (w) {
        case 'check': o.check = true; break;
        case 'no-check': o.check = false; break;
        case 'inter': o.inter = timeArg(value(), at, 'inter'); break;
        case 'fastinter': o.fastinter = timeArg(value(), at, 'fastinter'); break;
        case 'downinter': o.downinter = timeArg(value(), at, 'downinter'); break;
        case 'rise': o.rise = positiveInt(value(), at, 'rise'); break;
        case 'fall': o.fall = positiveInt(value(), at, 'fall'); break;
        case 'weight': o.weight = positiveInt(value(), at, 'weight'); if (o.weight > 256) throw syntaxError(at, `weight must be between 0 and 256`); break;
        case 'backup': o.backup = true; break;
        case 'no-backup': o.backup = false; break;
        case 'maxconn': o.maxconn = positiveInt(value(), at, 'maxconn'); break;
        case 'disabled': o.disabled = true; break;
        case 'cookie': o.cookie = value(); break;
        case 'port': o.port = positiveInt(value(), at, 'port'); break;
        case 'ssl': case 'check-ssl': case 'verify': case 'ca-file': case 'crt': case 'sni': case 'send-proxy': case 'send-proxy-v2':
        case 'proto': case 'alpn': case 'agent-check': case 'track': case 'addr': case 'redir': case 'source': case 'namespace':
          throw unsupportedError(at, `server option '${w}' is not supported (docklab speaks plain HTTP/1.1 to servers); remove it`);
        default:
          if (IGNORED_SERVER_OPTIONS.has(w)) {
            if (SERVER_OPTIONS_WITH_VALUE.has(w)) value();
            this.warn(at, `server option '${w}' is ignored by docklab`);
            break;
          }
          throw unsupportedError(at, `unknown or unsupported server option '${w}'; supported: check, inter, rise, fall, weight, backup, maxconn, disabled, cookie, port`);
      }
    }
    return o;
  }

  private parseHttpRule(words: readonly string[], at: Loc, side: 'request' | 'response'): HttpRule {
    const action = words[1];
    if (!action) throw syntaxError(at, `'http-${side}' needs an action`);
    if (action === 'redirect' && side === 'request') return this.parseRedirectRule(words, 2, at);
    const { args, cond } = splitCondition(words, 2, at);
    const rule = (a: HttpRequestAction): HttpRule => (cond ? { action: a, cond, loc: at } : { action: a, loc: at });
    const headerName = (n: string | undefined) => {
      if (!n || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(n)) throw syntaxError(at, `'${action}' needs a valid header name, got '${n ?? ''}'`);
      return n;
    };
    switch (action) {
      case 'allow': if (args.length) throw syntaxError(at, `unexpected '${args[0]}' after allow`); return rule({ kind: 'allow' });
      case 'set-header': case 'add-header': {
        if (args.length !== 2) throw syntaxError(at, `'http-${side} ${action}' needs a name and one value (quote values with spaces)`);
        return rule({ kind: action, name: headerName(args[0]), format: args[1]! });
      }
      case 'del-header': {
        if (args.length !== 1) throw unsupportedError(at, `'del-header' takes exactly one header name here (-m is not supported)`);
        return rule({ kind: 'del-header', name: headerName(args[0]) });
      }
    }
    if (side === 'request') {
      switch (action) {
        case 'deny': case 'return': {
          let status = action === 'deny' ? 403 : 200;
          let contentType: string | undefined; let body: string | undefined;
          const headers: [string, string][] = [];
          for (let i = 0; i < args.length; i++) {
            const w = args[i]; const v = args[i + 1];
            if ((w === 'deny_status' && action === 'deny') || (w === 'status' && action === 'return')) {
              status = positiveInt(v, at, w);
              if (status < 200 || status > 599) throw syntaxError(at, `status ${status} is out of range 200-599`);
              i++;
            } else if (action === 'return' && w === 'content-type' && v !== undefined) { contentType = v; i++; }
            else if (action === 'return' && (w === 'string' || w === 'lf-string') && v !== undefined) { body = v; i++; }
            else if (action === 'return' && w === 'hdr' && v !== undefined && args[i + 2] !== undefined) { headers.push([v, args[i + 2]!]); i += 2; }
            else throw unsupportedError(at, `'${w}' after http-request ${action} is not supported; use ${action === 'deny' ? 'deny_status N' : 'status N, content-type T, string S, hdr N V'}`);
          }
          if (body !== undefined && contentType === undefined) throw syntaxError(at, `'return … string' needs 'content-type'`);
          if (action === 'deny') return rule({ kind: 'deny', status });
          const r: HttpRequestAction = { kind: 'return', status, headers };
          if (contentType !== undefined) r.contentType = contentType;
          if (body !== undefined) r.body = body;
          return rule(r);
        }
        case 'set-path': case 'set-query': case 'set-uri': case 'set-method':
          if (args.length !== 1) throw syntaxError(at, `'${action}' needs exactly one value (quote it if it has spaces)`);
          return rule({ kind: action, format: args[0]! });
      }
    }
    throw unsupportedError(at, `'http-${side} ${action}' is not supported; supported: ${side === 'request' ? 'allow, deny, return, redirect, set-header, add-header, del-header, set-path, set-query, set-uri, set-method' : 'allow, set-header, add-header, del-header'}`);
  }

  private parseRedirectRule(words: readonly string[], from: number, at: Loc): HttpRule {
    const { args, cond } = splitCondition(words, from, at);
    const type = args[0];
    if (type !== 'location' && type !== 'prefix' && type !== 'scheme') throw syntaxError(at, `redirect needs 'location', 'prefix' or 'scheme', got '${type ?? ''}'`);
    const value = args[1];
    if (value === undefined) throw syntaxError(at, `'redirect ${type}' needs a value`);
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
    for (const [settings, chk] of this.pendingHttpCheck) if (settings.httpchk) settings.httpchk = { ...chk, loc: settings.httpchk.loc };
    const backendNames = new Map(this.backends.map((b) => [b.name, b]));
    for (const fe of this.frontends) {
      const def = fe.settings.defaultBackend;
      if (def && !backendNames.has(def.name)) throw referenceError(def.loc, `default_backend '${def.name}' does not exist; declare 'backend ${def.name}' or fix the name`);
      for (const ub of fe.useBackends) {
        if (!backendNames.has(ub.backend)) throw referenceError(ub.loc, `use_backend '${ub.backend}' names no backend; declare 'backend ${ub.backend}' or fix the name`);
      }
      if (fe.binds.length === 0) this.warn(fe.loc, `${fe.kind} '${fe.name}' has no 'bind' line and will not receive traffic`);
    }
    for (const proxy of new Set([...this.frontends, ...this.backends])) {
      const names = new Set(proxy.acls.map((a) => a.name));
      const check = (rule: { cond?: { groups: readonly (readonly { name?: string }[])[] } }, loc: Loc) => {
        for (const g of rule.cond?.groups ?? []) for (const t of g) {
          if (t.name && !names.has(t.name) && !PREDEFINED_ACLS.has(t.name)) {
            throw referenceError(loc, `ACL '${t.name}' is not declared in ${proxy.kind} '${proxy.name}'; add 'acl ${t.name} …' above or fix the name`);
          }
        }
      };
      for (const r of proxy.requestRules) check(r, r.loc);
      for (const r of proxy.responseRules) check(r, r.loc);
      for (const r of proxy.useBackends) check(r, r.loc);
      if (proxy.kind !== 'frontend' && proxy.settings.cookie) {
        if (!proxy.servers.some((s) => s.options.cookie)) this.warn(proxy.settings.cookie.loc, `cookie '${proxy.settings.cookie.name}' is set but no server has 'cookie VALUE'; no cookie will be inserted`);
      }
    }
    return { file: this.file, global: this.global, frontends: this.frontends, backends: this.backends, warnings: this.warnings };
  }
}
