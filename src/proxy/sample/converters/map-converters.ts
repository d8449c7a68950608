import { isIP } from 'node:net';
import { syntaxError } from '../../config/config-errors.js';
import type { MatchMethod } from '../../config/model.js';
import { registerConverter } from '../sample-registry.js';
import { readMapFile } from '../pattern-file.js';
import { compileKeyMatcher } from '../map-matcher.js';
import type { SampleType } from '../sample-types.js';

/**
 * map(FILE[,DEFAULT]) and the map_<match>[_<output>] family: look the sample
 * up in a two-column file and return the value of the matching line (or the
 * default; without one the sample is lost).
 */

const MATCHES: [string, MatchMethod, SampleType][] = [
  ['str', 'str', 'str'],
  ['beg', 'beg', 'str'],
  ['sub', 'sub', 'str'],
  ['dir', 'dir', 'str'],
  ['dom', 'dom', 'str'],
  ['end', 'end', 'str'],
  ['reg', 'reg', 'str'],
  ['ip', 'ip', 'ip'],
  ['int', 'int', 'int'],
  ['len', 'len', 'str'],
];
const OUTPUTS: [string, SampleType][] = [
  ['str', 'str'],
  ['int', 'int'],
  ['ip', 'ip'],
];

function register(name: string, match: MatchMethod, input: SampleType, output: SampleType): void {
  registerConverter(name, {
    input,
    output,
    args: [1, 2],
    compile: (args, { at }) => {
      const entries = readMapFile(args[0]!, at);
      if (match === 'reg')
        for (const [k] of entries) {
          try {
            new RegExp(k);
          } catch {
            throw syntaxError(at, `map file '${args[0]}': invalid regular expression '${k}'`);
          }
        }
      const convert = (v: string): string | number | undefined => {
        if (output === 'int') {
          const m = /^[-+]?\d+/.exec(v);
          return m ? Number(m[0]) : undefined;
        }
        if (output === 'ip') return isIP(v) ? v : undefined;
        return v;
      };
      const values = entries.map(([, v]) => convert(v));
      entries.forEach(([k, v], i) => {
        if (values[i] === undefined)
          throw syntaxError(at, `map file '${args[0]}': value '${v}' of key '${k}' is not a valid ${output === 'int' ? 'integer' : 'IP address'}`);
      });
      const def = args[1] === undefined ? undefined : convert(args[1]);
      if (args[1] !== undefined && def === undefined)
        throw syntaxError(at, `${name}: default value '${args[1]}' is not a valid ${output === 'int' ? 'integer' : 'IP address'}`);
      const find = compileKeyMatcher(
        match,
        entries.map(([k]) => k),
      );
      return (v) => {
        const i = find(typeof v === 'boolean' ? (v ? 1 : 0) : v);
        return i < 0 ? def : values[i];
      };
    },
  });
}

register('map', 'str', 'str', 'str');
for (const [suffix, match, input] of MATCHES) {
  for (const [outSuffix, output] of OUTPUTS) {
    register(`map_${suffix}_${outSuffix}`, match, input, output);
  }
  register(`map_${suffix}`, match, input, 'str');
}
