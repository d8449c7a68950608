import type { AclDefinition, ConditionModel, Loc, ProxySection } from '../config/model.js';
import type { SampleSource } from '../acl/sample-source.js';
import { referenceError } from '../config/config-errors.js';
import { registerFetch } from '../sample/sample-registry.js';
import { servicesOfRequest } from '../stats/service-state.js';
import { parseAuthorization } from './basic-credentials.js';
import type { UserlistModel } from './userlist.js';

/**
 * http_auth(list), http_auth_group(list) and the http_auth_user/pass/type
 * fetches. The userlist is found at run time through the configuration that
 * serves the request; its name is checked once the whole file is read.
 */

const pendingRefs: { list: string; at: Loc }[] = [];

/** Forgets references left by a parse that failed half-way. */
export function resetUserlistRefs(): void {
  pendingRefs.length = 0;
}

/** Refuses references to userlists the file does not declare, and http_auth_group patterns naming no group. */
export function checkUserlistRefs(lists: readonly UserlistModel[], proxies: readonly ProxySection[] = []): void {
  const refs = pendingRefs.splice(0);
  for (const r of refs) {
    if (!lists.some((l) => l.name === r.list))
      throw referenceError(r.at, `userlist '${r.list}' is not declared; add a 'userlist ${r.list}' section or fix the name`);
  }
  const checkAcl = (a: AclDefinition) => {
    if (a.fetch !== 'http_auth_group') return;
    const list = lists.find((l) => l.name === a.fetchArgs[0]);
    for (const g of a.patterns) {
      if (list && !list.groups.some((x) => x.name === g))
        throw referenceError(a.loc, `http_auth_group(${list.name}): userlist '${list.name}' has no group '${g}'`);
    }
  };
  const checkCond = (c: ConditionModel | undefined) => {
    for (const g of c?.groups ?? []) for (const t of g) if (t.anonymous) checkAcl(t.anonymous);
  };
  for (const p of proxies) {
    p.acls.forEach(checkAcl);
    for (const r of [...p.requestRules, ...p.responseRules, ...p.useBackends]) checkCond(r.cond);
  }
}

function needList(a: string[], at: Loc): string[] {
  pendingRefs.push({ list: a[0]!, at });
  return a;
}

/** The user whose Basic credentials are valid in the list, or undefined. */
function authenticatedUser(listName: string, src: SampleSource): string | undefined {
  const list = servicesOfRequest(src)?.userlists.get(listName);
  const cred = parseAuthorization(src.headers);
  if (!list || cred?.user === undefined || cred.pass === undefined) return undefined;
  return list.check(cred.user, cred.pass) ? cred.user : undefined;
}

const l7 = { layer: 'l7req' } as const;

// Without Basic credentials there is no sample at all; with wrong ones the sample is false.
registerFetch('http_auth', { ...l7, defaultMatch: 'bool', type: 'bool', args: [1, 1], checkArgs: needList }, (a, src) =>
  parseAuthorization(src.headers)?.user === undefined ? [] : authenticatedUser(a[0]!, src) !== undefined,
);

// An ACL matches its patterns against the user's groups; as a sample it is the user name.
registerFetch('http_auth_group', { ...l7, defaultMatch: 'str', type: 'str', args: [1, 1], checkArgs: needList }, (a, src, forAcl) => {
  const user = authenticatedUser(a[0]!, src);
  if (user === undefined) return [];
  if (!forAcl) return [user];
  const list = servicesOfRequest(src)?.userlists.get(a[0]!);
  return list ? list.groupsOf(user) : [];
});

registerFetch('http_auth_user', { ...l7, defaultMatch: 'str', type: 'str', args: [0, 0] }, (_a, src) => {
  const c = parseAuthorization(src.headers);
  return c?.user === undefined ? [] : [c.user];
});
registerFetch('http_auth_pass', { ...l7, defaultMatch: 'str', type: 'str', args: [0, 0] }, (_a, src) => {
  const c = parseAuthorization(src.headers);
  return c?.pass === undefined ? [] : [c.pass];
});
registerFetch('http_auth_type', { ...l7, defaultMatch: 'str', type: 'str', args: [0, 0] }, (_a, src) => {
  const c = parseAuthorization(src.headers);
  return c ? [c.type] : [];
});
