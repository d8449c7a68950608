import type { CheckRuleList, HttpCheckModel, Loc, ProxySettings } from './model.js';
import type { CheckExpectKind, CheckRule } from './server-model.js';
import { syntaxError, unsupportedError } from './config-errors.js';
import { LogFormat } from '../http/log-format.js';

function ownRules(settings: ProxySettings, key: 'httpCheckRules' | 'tcpCheckRules'): CheckRule[] {
  const cur = settings[key];
  if (cur && cur.owner === settings) return cur.rules;
  const fresh: CheckRuleList = { owner: settings, rules: [] };
  settings[key] = fresh;
  return fresh.rules;
}

const HTTP_EXPECTS = new Set(['status', 'rstatus', 'string', 'rstring', 'hdr', 'fhdr']);
const TCP_EXPECTS = new Set(['string', 'rstring', 'binary', 'rbinary', 'string-lf', 'binary-lf']);

function parseExpect(words: readonly string[], from: number, at: Loc, http: boolean): CheckRule {
  let i = from;
  let minRecv: number | undefined;
  for (;;) {
    const w = words[i];
    if (w === 'min-recv') {
      minRecv = Number(words[i + 1]);
      if (!Number.isInteger(minRecv)) throw syntaxError(at, `'min-recv' expects an integer`);
      i += 2;
      continue;
    }
    if (w === 'comment' || w === 'ok-status' || w === 'error-status' || w === 'tout-status' || w === 'on-success' || w === 'on-error' || w === 'status-code') {
      if (words[i + 1] === undefined) throw syntaxError(at, `'${w}' expects an argument`);
      i += 2;
      continue;
    }
    break;
  }
  let negate = false;
  if (words[i] === '!') {
    negate = true;
    i++;
  }
  const what = words[i++];
  const kind = http ? 'http-check' : 'tcp-check';
  if (!what || !(http ? HTTP_EXPECTS : TCP_EXPECTS).has(what)) {
    throw syntaxError(
      at,
      `'${kind} expect' expects ${http ? "'status', 'rstatus', 'hdr', 'fhdr', 'string' or 'rstring'" : "'string', 'rstring', 'binary' or 'rbinary'"}, got '${what ?? ''}'`,
    );
  }
  if (what === 'string-lf' || what === 'binary-lf')
    throw unsupportedError(at, `'${kind} expect ${what}' (log-format patterns) is not supported; use string or rstring`);
  if (what === 'hdr' || what === 'fhdr') {
    // hdr name [-m METH] NAME [value [-m METH] VALUE]
    if (words[i] !== 'name') throw syntaxError(at, `'http-check expect ${what}' expects 'name'`);
    i++;
    let nameMatch = 'str';
    if (words[i] === '-m') {
      nameMatch = words[i + 1] ?? '';
      i += 2;
    }
    const name = words[i++];
    if (!name) throw syntaxError(at, `'http-check expect ${what} name' expects a header name`);
    let valueMatch = 'str';
    let value: string | undefined;
    if (words[i] === 'value') {
      i++;
      if (words[i] === '-m') {
        valueMatch = words[i + 1] ?? '';
        i += 2;
      }
      value = words[i++];
      if (value === undefined) throw syntaxError(at, `'value' expects a pattern`);
    }
    for (const m of [nameMatch, valueMatch])
      if (!['str', 'beg', 'end', 'sub', 'reg'].includes(m)) throw syntaxError(at, `unknown match method '${m}'; use str, beg, end, sub or reg`);
    if (words[i] !== undefined) throw syntaxError(at, `unexpected '${words[i]}' in http-check expect`);
    const rule: CheckRule = { kind: 'expect', negate, what: 'hdr', pattern: `${nameMatch}`, hdrName: name, loc: at };
    if (value !== undefined) rule.hdrValue = `${valueMatch}\u0000${value}`;
    if (minRecv !== undefined) rule.minRecv = minRecv;
    return rule;
  }
  const pattern = words[i++];
  if (pattern === undefined) throw syntaxError(at, `'${kind} expect ${what}' expects a pattern`);
  if (words[i] !== undefined) throw syntaxError(at, `unexpected '${words[i]}' after the pattern of ${kind} expect`);
  if (what === 'rstatus' || what === 'rstring' || what === 'rbinary') {
    try {
      new RegExp(pattern);
    } catch {
      throw syntaxError(at, `bad regular expression '${pattern}' in ${kind} expect`);
    }
  }
  if (what === 'status') {
    for (const part of pattern.split(','))
      if (!/^\d+(?:-\d+)?$/.test(part)) throw syntaxError(at, `bad status '${part}' in http-check expect status; write 200 or 200-399`);
  }
  if ((what === 'binary' || what === 'rbinary') && what === 'binary' && !/^([0-9a-fA-F]{2})*$/.test(pattern))
    throw syntaxError(at, `'tcp-check expect binary' expects hexadecimal digits`);
  const rule: CheckRule = { kind: 'expect', negate, what: what as CheckExpectKind, pattern, loc: at };
  if (minRecv !== undefined) rule.minRecv = minRecv;
  return rule;
}

function parseConnect(words: readonly string[], from: number, at: Loc): CheckRule {
  const rule: CheckRule & { kind: 'connect' } = { kind: 'connect', loc: at };
  for (let i = from; i < words.length; i++) {
    const w = words[i]!;
    const value = () => {
      const v = words[++i];
      if (v === undefined) throw syntaxError(at, `'${w}' expects an argument`);
      return v;
    };
    switch (w) {
      case 'default':
        rule.default = true;
        break;
      case 'linger':
        break;
      case 'port': {
        const p = Number(value());
        if (!Number.isInteger(p) || p < 1 || p > 65535) throw syntaxError(at, `'port' expects a port number`);
        rule.port = p;
        break;
      }
      case 'ssl':
        rule.ssl = true;
        break;
      case 'sni':
        rule.sni = value();
        break;
      case 'alpn':
        rule.alpn = value().split(',');
        break;
      case 'comment':
      case 'proto':
        value();
        break;
      case 'addr':
        throw unsupportedError(at, `'connect addr' is not supported; checks go to the server's address`);
      case 'send-proxy':
        rule.sendProxy = true;
        break;
      case 'via-socks4':
        throw unsupportedError(at, `'connect ${w}' is not supported`);
      default:
        throw syntaxError(at, `unexpected '${w}' after connect; expected port, ssl, sni, alpn, linger, comment or default`);
    }
  }
  return rule;
}

/** `http-check connect|send|expect|comment|disable-on-404|send-state|set-var|unset-var`. */
export function parseHttpCheckLine(words: readonly string[], at: Loc, settings: ProxySettings, warn: (at: Loc, m: string) => void): void {
  const sub = words[1];
  switch (sub) {
    case 'expect':
      ownRules(settings, 'httpCheckRules').push(parseExpect(words, 2, at, true));
      return;
    case 'connect':
      ownRules(settings, 'httpCheckRules').push(parseConnect(words, 2, at));
      return;
    case 'comment':
      ownRules(settings, 'httpCheckRules').push({ kind: 'comment', loc: at });
      return;
    case 'send': {
      const rule: CheckRule & { kind: 'send-http' } = { kind: 'send-http', headers: [], loc: at };
      for (let i = 2; i < words.length; i++) {
        const w = words[i]!;
        const value = () => {
          const v = words[++i];
          if (v === undefined) throw syntaxError(at, `'http-check send ${w}' expects an argument`);
          return v;
        };
        switch (w) {
          case 'meth':
            rule.method = value();
            break;
          case 'uri':
            rule.uri = value();
            break;
          case 'ver':
            rule.version = value();
            break;
          case 'hdr': {
            const n = value();
            const v = value();
            rule.headers.push([n, v]);
            break;
          }
          case 'body':
            rule.body = value();
            break;
          case 'comment':
            value();
            break;
          case 'uri-lf':
          case 'body-lf':
            throw unsupportedError(at, `'http-check send ${w}' (log-format) is not supported; use ${w.slice(0, -3)}`);
          default:
            throw syntaxError(at, `'http-check send' expects meth, uri, ver, hdr, body or comment, got '${w}'`);
        }
      }
      ownRules(settings, 'httpCheckRules').push(rule);
      return;
    }
    case 'disable-on-404':
      settings.disableOn404 = true;
      return;
    case 'send-state':
      warn(at, `'http-check ${sub}' is ignored by docklab`);
      return;
    case 'set-var':
    case 'unset-var':
      throw unsupportedError(at, `'http-check ${sub}' is not supported; remove it`);
  }
  throw syntaxError(
    at,
    `'http-check' expects 'comment', 'connect', 'disable-on-404', 'expect', 'send', 'send-state', 'set-var' or 'unset-var', got '${sub ?? ''}'`,
  );
}

/** `tcp-check connect|send|send-binary|expect|comment`. */
export function parseTcpCheckLine(words: readonly string[], at: Loc, settings: ProxySettings): void {
  const sub = words[1];
  switch (sub) {
    case 'expect':
      ownRules(settings, 'tcpCheckRules').push(parseExpect(words, 2, at, false));
      return;
    case 'connect':
      ownRules(settings, 'tcpCheckRules').push(parseConnect(words, 2, at));
      return;
    case 'comment':
      ownRules(settings, 'tcpCheckRules').push({ kind: 'comment', loc: at });
      return;
    case 'send':
    case 'send-binary': {
      const data = words[2];
      if (data === undefined) throw syntaxError(at, `'tcp-check ${sub}' expects data to send`);
      if (words[3] !== undefined && words[3] !== 'comment') throw syntaxError(at, `unexpected '${words[3]}' after tcp-check ${sub}`);
      let text = data;
      if (sub === 'send-binary') {
        if (!/^([0-9a-fA-F]{2})+$/.test(data)) throw syntaxError(at, `'tcp-check send-binary' expects hexadecimal digits`);
        text = Buffer.from(data, 'hex').toString('latin1');
      }
      ownRules(settings, 'tcpCheckRules').push({ kind: 'send', data: text, loc: at });
      return;
    }
    case 'send-lf':
    case 'send-binary-lf': {
      const text = words[2];
      if (text === undefined) throw syntaxError(at, `'tcp-check ${sub}' expects a log-format string`);
      if (words[3] !== undefined && words[3] !== 'comment') throw syntaxError(at, `unexpected '${words[3]}' after tcp-check ${sub}`);
      LogFormat.compile(text, at);
      ownRules(settings, 'tcpCheckRules').push({ kind: 'send', data: '', format: { text, binary: sub === 'send-binary-lf' }, loc: at });
      return;
    }
    case 'set-var':
    case 'unset-var':
      throw unsupportedError(at, `'tcp-check ${sub}' is not supported; remove it`);
  }
  throw syntaxError(at, `'tcp-check' expects 'comment', 'connect', 'expect', 'send' or 'send-binary', got '${sub ?? ''}'`);
}

/** The check a backend runs: what `option httpchk` / `option tcp-check` and their rules say. */
export interface CheckProgram {
  kind: 'tcp' | 'http';
  rules: CheckRule[];
  disableOn404?: boolean;
}

/**
 * The rule list a server's check runs. HTTP checks always start by
 * connecting and send `option httpchk`'s request when the rules have no
 * `send`; `http-check send` fills in what it leaves out from that line.
 * Without any expect rule, an HTTP status of 2xx or 3xx passes.
 */
export function checkProgram(settings: ProxySettings): CheckProgram | null {
  if (settings.httpchk)
    return { kind: 'http', rules: httpRules(settings.httpchk, settings.httpCheckRules?.rules ?? []), ...(settings.disableOn404 ? { disableOn404: true } : {}) };
  if (settings.tcpCheck?.canned) return { kind: 'tcp', rules: settings.tcpCheck.canned.rules };
  if (settings.tcpCheck) {
    const rules = settings.tcpCheckRules?.rules ?? [];
    // Comments do not count: a list whose first real step is a connect needs no implicit one.
    const first = rules.find((r) => r.kind !== 'comment');
    return { kind: 'tcp', rules: first?.kind === 'connect' ? rules : [{ kind: 'connect', default: true, loc: settings.tcpCheck.loc }, ...rules] };
  }
  return null;
}

function httpRules(chk: HttpCheckModel, own: readonly CheckRule[]): CheckRule[] {
  const base = { method: chk.method, uri: chk.uri, version: chk.version };
  const rules: CheckRule[] = own.map((r) =>
    r.kind === 'send-http'
      ? {
          ...r,
          method: r.method ?? base.method,
          uri: r.uri ?? base.uri,
          version: r.version ?? base.version,
          headers: [...chk.headers, ...r.headers],
          ...((r.body ?? chk.body) !== undefined ? { body: r.body ?? chk.body } : {}),
        }
      : r,
  );
  if (!rules.some((r) => r.kind === 'send-http')) {
    const send: CheckRule = { kind: 'send-http', ...base, headers: [...chk.headers], loc: chk.loc };
    if (chk.body !== undefined) send.body = chk.body;
    const firstExpect = rules.findIndex((r) => r.kind === 'expect');
    rules.splice(firstExpect < 0 ? rules.length : firstExpect, 0, send);
  }
  if (chk.expectStatus.length && !rules.some((r) => r.kind === 'expect')) {
    rules.push({
      kind: 'expect',
      negate: false,
      what: 'status',
      pattern: chk.expectStatus.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(','),
      loc: chk.loc,
    });
  }
  if (rules[0]?.kind !== 'connect') rules.unshift({ kind: 'connect', default: true, loc: chk.loc });
  return rules;
}
