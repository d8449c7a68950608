import type { AclDefinition, AclTerm, ConditionModel, Loc, MatchMethod } from '../config/model.js';
import { syntaxError } from '../config/config-errors.js';
import { exprDefaultMatch, parseSampleExpr } from '../sample/sample-expr.js';
import { readMapFile, readPatternFile } from '../sample/pattern-file.js';

const MATCH_METHODS = new Set<MatchMethod>(['str', 'beg', 'end', 'sub', 'dir', 'dom', 'reg', 'found', 'len', 'int', 'ip', 'bool', 'bin']);

/** Parses `FETCH [flags] [patterns...]` (the part after `acl NAME`, or inside `{ }`). */
export function parseAclDefinition(name: string, words: readonly string[], loc: Loc): AclDefinition {
  const fetchText = words[0];
  if (!fetchText) throw syntaxError(loc, `acl '${name}' has no sample fetch; write e.g. 'acl ${name} path_beg /api'`);
  const expr = parseSampleExpr(fetchText, loc, { acl: true, context: `acl '${name}'` });
  let match: MatchMethod = exprDefaultMatch(expr);
  let ignoreCase = false;
  const fromFiles: string[] = [];
  let asMap = false;
  let explicitMatch = false;
  let i = 1;
  for (; i < words.length; i++) {
    const w = words[i]!;
    if (w === '--') {
      i++;
      break;
    }
    if (!w.startsWith('-') || w.length < 2 || /^-\d/.test(w)) break;
    if (w === '-i') ignoreCase = true;
    else if (w === '-n' || w === '-u') {
      /* dedup/unique-id flags do not change matching */
    } else if (w === '-m') {
      const method = words[++i] as MatchMethod | undefined;
      if (!method || !MATCH_METHODS.has(method))
        throw syntaxError(loc, `'-m' needs a match method (str, beg, end, sub, dir, dom, reg, found, len, int, ip, bool)`);
      match = method;
      explicitMatch = true;
    } else if (w === '-f') {
      const file = words[++i];
      if (!file) throw syntaxError(loc, `'-f' needs a pattern file name`);
      fromFiles.push(...(asMap ? readMapFile(file, loc).map(([k]) => k) : readPatternFile(file, loc)));
    } else if (w === '-M') asMap = true;
    else throw syntaxError(loc, `unknown acl flag '${w}'; use -i, -m METHOD or -- before patterns that start with '-'`);
  }
  if (expr.type === 'any' && !explicitMatch) {
    throw syntaxError(loc, `acl '${name}': '${fetchText}' can hold any type; say how to match it first with '-m' (e.g. -m str, -m int, -m found)`);
  }
  const patterns = [...fromFiles, ...words.slice(i)];
  if (patterns.length === 0 && fromFiles.length === 0 && words.includes('-f')) {
    /* an empty file is allowed */
  } else if (patterns.length === 0 && match !== 'found' && match !== 'bool') {
    throw syntaxError(loc, `acl '${name}' has no pattern to match; add one or use '-m found'`);
  }
  if (match === 'reg') {
    for (const p of patterns) {
      try {
        new RegExp(p);
      } catch {
        throw syntaxError(loc, `invalid regular expression '${p}'; fix the pattern`);
      }
    }
  }
  return { name, fetch: expr.fetch.canonical, fetchArgs: expr.args, match, ignoreCase, patterns, loc, expr };
}

/**
 * Parses the words after `if`/`unless`. Terms side by side are ANDed, `or` and
 * `||` separate OR-groups, `!` negates, `{ ... }` is an anonymous ACL.
 */
export function parseCondition(keyword: 'if' | 'unless', words: readonly string[], loc: Loc): ConditionModel {
  const groups: AclTerm[][] = [[]];
  let negate = false;
  let anonymousCount = 0;
  for (let i = 0; i < words.length; i++) {
    let w = words[i]!;
    if (w === 'or' || w === '||') {
      if (negate || groups[groups.length - 1]!.length === 0) throw syntaxError(loc, `'${w}' must sit between two ACL terms`);
      groups.push([]);
      continue;
    }
    if (w === '!') {
      negate = !negate;
      continue;
    }
    while (w.startsWith('!')) {
      negate = !negate;
      w = w.slice(1);
    }
    if (w === '{') {
      const close = words.indexOf('}', i + 1);
      if (close < 0) throw syntaxError(loc, `anonymous ACL '{' is not closed; add ' }' (braces need spaces around them)`);
      const def = parseAclDefinition(`anonymous#${++anonymousCount}`, words.slice(i + 1, close), loc);
      groups[groups.length - 1]!.push({ anonymous: def, negate });
      i = close;
    } else if (w === '}') {
      throw syntaxError(loc, `unexpected '}'`);
    } else {
      if (!/^[A-Za-z0-9_.:-]+$/.test(w)) throw syntaxError(loc, `invalid ACL name '${w}' in condition`);
      groups[groups.length - 1]!.push({ name: w, negate });
    }
    negate = false;
  }
  if (negate) throw syntaxError(loc, `'!' at the end of a condition negates nothing`);
  if (groups.some((g) => g.length === 0)) throw syntaxError(loc, `empty condition after '${keyword}'; name an ACL`);
  return { unless: keyword === 'unless', groups, loc };
}

/** Splits `... if COND` / `... unless COND` off a statement. */
export function splitCondition(words: readonly string[], from: number, loc: Loc): { args: string[]; cond?: ConditionModel } {
  for (let i = from; i < words.length; i++) {
    const w = words[i]!;
    if (w === 'if' || w === 'unless') {
      return { args: words.slice(from, i), cond: parseCondition(w, words.slice(i + 1), loc) };
    }
  }
  return { args: words.slice(from) };
}
