import type { ProxySection } from '../config/model.js';
import { AclCondition, compileNamedAcls } from '../acl/acl-condition.js';
import { txnOf, type SampleSource } from '../acl/sample-source.js';
import type { RuleSide } from '../rules/action-registry.js';
import { payloadOf, responsePayloadOf } from './payload-view.js';
import { tcpRuleSide, type TcpAction, type TcpRuleList } from './tcp-rules.js';

interface CompiledTcpRule {
  readonly list: TcpRuleList;
  readonly action: TcpAction;
  readonly cond: AclCondition | undefined;
  readonly unless: boolean;
}

/** What a rule list decided: go on, stop the list (accept), or drop the connection. */
export type TcpVerdict = 'continue' | 'accept' | 'reject' | 'silent-drop' | 'close' | 'wait';

const compiled = new WeakMap<ProxySection, CompiledTcpRule[]>();

/** The section's tcp-request rules with their conditions compiled (once per configuration). */
export function tcpRulesOf(section: ProxySection): CompiledTcpRule[] {
  let rules = compiled.get(section);
  if (!rules) {
    const acls = compileNamedAcls(section.acls);
    rules = (section.tcpRules ?? []).map((r) => ({
      list: r.list,
      action: r.action,
      cond: r.cond ? AclCondition.compile(r.cond, acls) : undefined,
      unless: r.cond?.unless ?? false,
    }));
    compiled.set(section, rules);
  }
  return rules;
}

export function hasRules(section: ProxySection, list: TcpRuleList): boolean {
  return tcpRulesOf(section).some((r) => r.list === list);
}

/**
 * Walks one rule list from `from` on. A condition that does not match while
 * a fetch says more data could change that makes the walk 'wait' (the
 * caller re-runs from `position.next` when data arrives or the delay ends),
 * as HAProxy does under `tcp-request inspect-delay`. `expectProxy` is set
 * when `expect-proxy layer4` applies.
 */
export function runTcpRules(
  section: ProxySection,
  list: TcpRuleList,
  src: SampleSource,
  position: { next: number },
  flags: { expectProxy?: boolean } = {},
): TcpVerdict {
  const rules = tcpRulesOf(section).filter((r) => r.list === list);
  const view = list === 'response' ? responsePayloadOf(src) : payloadOf(src);
  const side: RuleSide = tcpRuleSide(list);
  for (; position.next < rules.length; position.next++) {
    const rule = rules[position.next]!;
    if (rule.cond) {
      if (view) view.mayChange = false;
      const applies = rule.cond.test(src);
      const raw = rule.unless ? !applies : applies;
      if (!raw && view?.mayChange) return 'wait';
      if (!applies) continue;
    }
    const a = rule.action;
    switch (a.kind) {
      case 'accept':
        position.next = rules.length;
        return 'accept';
      case 'reject':
        return 'reject';
      case 'silent-drop':
        return 'silent-drop';
      case 'close':
        return 'close';
      case 'expect-proxy':
        flags.expectProxy = true;
        break;
      case 'registered': {
        const r = a.run({ src, txn: txnOf(src), side });
        if (r && 'stop' in r) {
          position.next = rules.length;
          return 'accept';
        }
        if (r && 'respond' in r) return 'reject';
        break;
      }
    }
  }
  return 'continue';
}
