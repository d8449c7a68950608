import type { ProxySection } from '../config/model.js';
import type { Acl } from '../acl/acl-condition.js';
import type { SampleSource } from '../acl/sample-source.js';
import { CompiledRule } from '../runtime/compiled-rule.js';
import type { LocalResponse } from '../http/local-response.js';
import { REASONS } from '../http/local-response.js';
import { applyResponseRules, type ResponseState } from '../http/rule-engine.js';

/**
 * http-after-response rules, compiled per section when the router is built.
 * They run after http-response rules on server responses and also on the
 * proxy's own answers (deny, redirect, return, errors).
 */
const compiled = new WeakMap<ProxySection, readonly CompiledRule[]>();

export function compileAfterResponse(section: ProxySection, acls: ReadonlyMap<string, Acl>): void {
  const rules = section.afterResponseRules;
  if (rules && rules.length > 0)
    compiled.set(
      section,
      rules.map((r) => new CompiledRule(r.action, r, acls, 'response')),
    );
}

export function afterResponseRules(section: ProxySection | undefined): readonly CompiledRule[] {
  return (section && compiled.get(section)) ?? [];
}

/** Backend section first, then the frontend's when it is another section. */
export function runAfterResponse(fe: ProxySection, be: ProxySection | undefined, req: SampleSource, headers: [string, string][], state: ResponseState): void {
  applyResponseRules(afterResponseRules(be), req, headers, state);
  if (be !== fe) applyResponseRules(afterResponseRules(fe), req, headers, state);
}

/** The same rules over a local answer: its headers and status may change. */
export function afterResponseOnLocal(fe: ProxySection, be: ProxySection | undefined, req: SampleSource | null, r: LocalResponse): LocalResponse {
  if (!req || (afterResponseRules(fe).length === 0 && afterResponseRules(be).length === 0)) return r;
  const ef = r.errorFile;
  if (ef) {
    // An error page goes out as its file says: the rules edit that message.
    if (ef.empty) return r;
    const headers = ef.headers.map(([n, v]): [string, string] => [n, v]);
    const state: ResponseState = { status: ef.status, reason: ef.reason, version: ef.version };
    runAfterResponse(fe, be, req, headers, state);
    const lower = headers.map(([n, v]): [string, string] => [n.toLowerCase(), v]);
    return {
      ...r,
      status: state.status,
      headers: lower.filter(([n]) => n !== 'connection' && n !== 'content-length'),
      errorFile: { ...ef, status: state.status, reason: state.reason, headers: lower },
    };
  }
  const headers: [string, string][] = [['content-length', String(Buffer.byteLength(r.body))], ...r.headers];
  const state: ResponseState = { status: r.status, reason: REASONS[r.status] ?? '', version: '1.1' };
  runAfterResponse(fe, be, req, headers, state);
  // content-length is written by the serializer; the rules saw it only as a fetchable header.
  const out = headers.filter(([n]) => n.toLowerCase() !== 'content-length');
  return { ...r, status: state.status, headers: out };
}
