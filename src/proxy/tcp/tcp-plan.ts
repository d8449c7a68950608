import type { Frontend } from '../runtime/frontend.js';
import { hasRules } from './tcp-rule-runner.js';

/**
 * What a `mode tcp` frontend's connections need, decided once per
 * configuration so that a connection pays only for the features in play:
 * no rule runner without rules, no sample source (peer addresses, variables,
 * payload view) until something reads it, no log record when nothing logs.
 */
export interface TcpPlan {
  readonly connectionRules: boolean;
  readonly sessionRules: boolean;
  readonly contentRules: boolean;
  /** `option tcplog` with logging on: the record (and the peer's addresses) is needed. */
  readonly logs: boolean;
  /** The client's addresses are read on accept: logs or rules read them, and a closed socket no longer tells. */
  readonly eagerSample: boolean;
}

const plans = new WeakMap<Frontend, TcpPlan>();

export function tcpPlanOf(fe: Frontend): TcpPlan {
  let plan = plans.get(fe);
  if (!plan) {
    const s = fe.model.settings;
    const connectionRules = hasRules(fe.model, 'connection');
    const sessionRules = hasRules(fe.model, 'session');
    const contentRules = hasRules(fe.model, 'content');
    const logs = s.logEnabled && s.tcplog === true;
    plan = { connectionRules, sessionRules, contentRules, logs, eagerSample: logs || connectionRules || sessionRules || contentRules };
    plans.set(fe, plan);
  }
  return plan;
}
