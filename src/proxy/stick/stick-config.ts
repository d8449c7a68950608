import type { Loc, ProxySection } from '../config/model.js';
import { syntaxError, referenceError } from '../config/config-errors.js';
import { splitCondition } from '../acl/acl-parser.js';
import { PREDEFINED_ACLS } from '../acl/predefined-acls.js';
import { parseStickTable, parseStickRule, noteTableRef, endStickParse } from './stick-parser.js';

export { beginStickParse, enterStickSection } from './stick-parser.js';

/** `stick-table …` and `stick …` lines of a frontend, backend or listen section. */
export function parseStickSectionKeyword(words: readonly string[], at: Loc, section: ProxySection, warn: (at: Loc, m: string) => void): void {
  if (words[0] === 'stick-table') {
    if (section.stickTable) {
      throw syntaxError(at, `only one stick-table per section: this ${section.kind} already declares one at line ${section.stickTable.loc.line}`);
    }
    section.stickTable = parseStickTable(words, at, section.name, warn);
    return;
  }
  const { args, cond } = splitCondition(words, 1, at);
  const rule = parseStickRule(args, cond, at);
  if (section.kind === 'frontend') {
    warn(at, `'stick' ignored because frontend '${section.name}' has no backend capability`);
    return;
  }
  noteTableRef(rule.table ?? section.name, at, `stick ${rule.kind}`);
  (section.stickRules ??= []).push(rule);
}

/** End of the file: table names resolve, stick rules' ACLs exist, a table's store fits the rules using it. */
export function finishStickParse(proxies: readonly ProxySection[], _warn: (at: Loc, m: string) => void): void {
  const declared = new Set<string>();
  for (const p of proxies) if (p.stickTable) declared.add(p.name);
  endStickParse(declared);
  for (const p of proxies) {
    const acls = new Set(p.acls.map((a) => a.name));
    for (const r of p.stickRules ?? []) {
      for (const g of r.cond?.groups ?? [])
        for (const t of g) {
          if (t.name && !acls.has(t.name) && !PREDEFINED_ACLS.has(t.name)) {
            throw referenceError(r.loc, `ACL '${t.name}' is not declared in ${p.kind} '${p.name}'; add 'acl ${t.name} …' above or fix the name`);
          }
        }
      const table = proxies.find((x) => x.name === (r.table ?? p.name) && x.stickTable)?.stickTable;
      if (table && !table.counters.includes('server_id')) {
        // HAProxy adds server_id to a table that stick rules use; so does docklab, silently.
        (table.counters as string[]).push('server_id');
      }
    }
  }
}
