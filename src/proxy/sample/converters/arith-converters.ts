import { syntaxError } from '../../config/config-errors.js';
import { registerConverter, type ConverterParseContext } from '../sample-registry.js';
import { txnOf, type SampleSource } from '../../acl/sample-source.js';
import { parseVarName } from '../txn.js';
import { intResult, valueToInt } from '../sample-types.js';

/** Integer converters. HAProxy works on signed 64-bit integers: results are clamped to that range. */

const MAX = 2n ** 63n - 1n;
const clamp = intResult;

/** The argument of add/sub/…: a whole number or the name of a variable holding one. */
function operand(arg: string, ctx: ConverterParseContext, name: string): (src: SampleSource) => number | bigint | undefined {
  if (/^[-+]?\d+$/.test(arg)) {
    const n = Number(arg);
    return () => n;
  }
  const ref = parseVarName(arg);
  if (!ref) throw syntaxError(ctx.at, `converter '${name}': '${arg}' is neither a whole number nor a variable name (SCOPE.NAME)`);
  return (src) => {
    const v = txnOf(src).getVar(ref.scope, ref.name);
    return v === undefined ? undefined : valueToInt(v);
  };
}

function binary(name: string, op: (a: bigint, b: bigint) => bigint): void {
  registerConverter(name, {
    input: 'int',
    output: 'int',
    args: [1, 1],
    compile: (args, ctx) => {
      const rhs = operand(args[0]!, ctx, name);
      // A missing variable counts as 0, as in HAProxy.
      return (v, src) => clamp(op(BigInt(v as number | bigint), BigInt(rhs(src) ?? 0)));
    },
  });
}

binary('add', (a, b) => a + b);
binary('sub', (a, b) => a - b);
binary('mul', (a, b) => a * b);
binary('div', (a, b) => (b === 0n ? MAX : a / b));
binary('mod', (a, b) => (b === 0n ? 0n : a % b));
binary('and', (a, b) => a & b);
binary('or', (a, b) => a | b);
binary('xor', (a, b) => a ^ b);

const unary = (name: string, out: 'int' | 'bool', fn: (n: bigint) => number | bigint | boolean) =>
  registerConverter(name, { input: 'int', output: out, args: [0, 0], compile: () => (v) => fn(BigInt(v as number | bigint)) });
unary('neg', 'int', (n) => clamp(-n));
unary('cpl', 'int', (n) => clamp(~n));
unary('bool', 'bool', (n) => n !== 0n);
unary('not', 'bool', (n) => n === 0n);
unary('odd', 'bool', (n) => (n & 1n) === 1n);
unary('even', 'bool', (n) => (n & 1n) === 0n);
