import { syntaxError } from '../../config/config-errors.js';
import { LogFormat } from '../../http/log-format.js';
import { evalSampleOne, parseSampleExpr } from '../../sample/sample-expr.js';
import { parseVarName, type Txn, type VarScope } from '../../sample/txn.js';
import type { SampleValue } from '../../sample/sample-types.js';
import { httpSideOf, registerAction, sampleOptionsOf, type ActionParseContext, type RuleSide } from '../action-registry.js';

/** set-var, set-var-fmt and unset-var, for every rule list that has them. */

const ALL_SIDES: RuleSide[] = [
  'http-request',
  'http-response',
  'http-after-response',
  'tcp-request connection',
  'tcp-request session',
  'tcp-request content',
  'tcp-response content',
];

type VarCond = (old: SampleValue | undefined, next: SampleValue) => boolean;

const isInt = (v: SampleValue | undefined): v is number | bigint => typeof v === 'number' || typeof v === 'bigint';
function intOrder(old: SampleValue | undefined, next: SampleValue, test: (a: bigint, b: bigint) => boolean): boolean {
  if (!isInt(old) || !isInt(next)) return true;
  return test(BigInt(old), BigInt(next));
}

/** set-var(name,cond…) conditions: the variable is only written when all hold. */
const CONDITIONS: Record<string, VarCond> = {
  ifexists: (o) => o !== undefined,
  ifnotexists: (o) => o === undefined,
  ifempty: (_o, n) => n === '',
  ifnotempty: (_o, n) => n !== '',
  ifset: (o) => o !== undefined,
  ifnotset: (o) => o === undefined,
  // Measured against HAProxy 2.6: ifgt writes when the current integer is greater than the new
  // one, iflt when smaller; with a value that is not an integer the condition does not hold back.
  ifgt: (o, n) => intOrder(o, n, (a, b) => a > b),
  iflt: (o, n) => intOrder(o, n, (a, b) => a < b),
};

function target(ctx: ActionParseContext, what: string): { scope: VarScope; name: string; conds: VarCond[] } {
  const [nameText = '', ...condNames] = (ctx.paren ?? '').split(',');
  const ref = parseVarName(nameText.trim());
  if (!ref)
    throw syntaxError(
      ctx.at,
      `'${what}(${ctx.paren ?? ''})': invalid variable name '${nameText}'; write SCOPE.NAME with SCOPE one of proc, sess, txn, req, res`,
    );
  const conds = condNames.map((c) => {
    const f = CONDITIONS[c.trim()];
    if (!f) throw syntaxError(ctx.at, `'${what}': unknown condition '${c}' (ifexists, ifnotexists, ifempty, ifnotempty, ifset, ifnotset, ifgt, iflt)`);
    return f;
  });
  return { ...ref, conds };
}

function store(txn: Txn, t: { scope: VarScope; name: string; conds: VarCond[] }, v: SampleValue): void {
  if (t.conds.length > 0) {
    const old = txn.getVar(t.scope, t.name);
    if (!t.conds.every((c) => c(old, v))) return;
  }
  txn.setVar(t.scope, t.name, v);
}

registerAction({
  name: 'set-var',
  sides: ALL_SIDES,
  paren: true,
  parse: (args, ctx) => {
    const t = target(ctx, 'set-var');
    if (args.length !== 1) throw syntaxError(ctx.at, `'set-var(${ctx.paren})' needs exactly one sample expression (fetch[,converter…])`);
    const expr = parseSampleExpr(args[0]!, ctx.at, sampleOptionsOf(ctx, `set-var(${ctx.paren})`));
    return (rc) => {
      // A fetch that yields nothing leaves the variable untouched.
      const v = evalSampleOne(expr, rc.src);
      if (v !== undefined) store(rc.txn, t, v);
      return undefined;
    };
  },
});

registerAction({
  name: 'set-var-fmt',
  sides: ALL_SIDES,
  paren: true,
  parse: (args, ctx) => {
    const t = target(ctx, 'set-var-fmt');
    if (args.length !== 1) throw syntaxError(ctx.at, `'set-var-fmt(${ctx.paren})' needs exactly one log-format string (quote it if it has spaces)`);
    const fmt = LogFormat.compile(args[0]!, ctx.at, httpSideOf(ctx.side), sampleOptionsOf(ctx, '').beforeBackend);
    return (rc) => {
      store(rc.txn, t, fmt.render(rc.src));
      return undefined;
    };
  },
});

registerAction({
  name: 'unset-var',
  sides: ALL_SIDES,
  paren: true,
  parse: (args, ctx) => {
    const ref = parseVarName((ctx.paren ?? '').trim());
    if (!ref) throw syntaxError(ctx.at, `'unset-var(${ctx.paren ?? ''})': invalid variable name; write SCOPE.NAME`);
    if (args.length > 0) throw syntaxError(ctx.at, `unexpected '${args[0]}' after unset-var(${ctx.paren})`);
    return (rc) => {
      rc.txn.unsetVar(ref.scope, ref.name);
      return undefined;
    };
  },
});
