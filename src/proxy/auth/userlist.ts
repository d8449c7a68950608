import { createHash, timingSafeEqual } from 'node:crypto';
import type { Loc } from '../config/model.js';
import { syntaxError, unsupportedError, referenceError } from '../config/config-errors.js';
import { isSupportedCryptHash, unixCrypt } from './unix-crypt.js';

export interface UserEntry {
  readonly name: string;
  /** A crypt(3) hash (`password`) or the clear text (`insecure-password`). */
  readonly secret: { readonly hash: string } | { readonly clear: string };
  /** Groups named on the `user` line. */
  readonly groups: readonly string[];
  readonly loc: Loc;
}

export interface GroupEntry {
  readonly name: string;
  readonly users: readonly string[];
  readonly loc: Loc;
}

/** One `userlist NAME` section as written. */
export interface UserlistModel {
  readonly name: string;
  readonly users: UserEntry[];
  readonly groups: GroupEntry[];
  readonly loc: Loc;
}

/** Parses one line inside a `userlist` section into the model. */
export function parseUserlistLine(list: UserlistModel, words: readonly string[], at: Loc): void {
  const [kw, name] = words;
  if (kw === 'group') {
    if (!name) throw syntaxError(at, `'group' needs a name`);
    if (list.groups.some((g) => g.name === name)) throw syntaxError(at, `group '${name}' is already declared in userlist '${list.name}'`);
    let users: string[] = [];
    for (let i = 2; i < words.length; i++) {
      if (words[i] === 'users' && words[i + 1] !== undefined) users = words[++i]!.split(',').filter(Boolean);
      else throw syntaxError(at, `unexpected '${words[i]}' after group ${name}; expected 'users a,b'`);
    }
    list.groups.push({ name, users, loc: at });
    return;
  }
  if (kw === 'user') {
    if (!name) throw syntaxError(at, `'user' needs a name`);
    if (list.users.some((u) => u.name === name)) throw syntaxError(at, `user '${name}' is already declared in userlist '${list.name}'`);
    let secret: UserEntry['secret'] | undefined;
    let groups: string[] = [];
    for (let i = 2; i < words.length; i++) {
      const w = words[i];
      const v = words[i + 1];
      if (w === 'password' && v !== undefined) {
        if (!isSupportedCryptHash(v))
          throw unsupportedError(
            at,
            `the password hash of user '${name}' is not in a supported crypt(3) format; use $6$, $5$ or $1$ (e.g. 'mkpasswd -m sha-512' or 'openssl passwd -6') or insecure-password`,
          );
        secret = { hash: v };
        i++;
      } else if (w === 'insecure-password' && v !== undefined) {
        secret = { clear: v };
        i++;
      } else if (w === 'groups' && v !== undefined) {
        groups = v.split(',').filter(Boolean);
        i++;
      } else throw syntaxError(at, `unexpected '${w}' after user ${name}; expected password HASH, insecure-password PASS or groups G1,G2`);
    }
    if (!secret) throw syntaxError(at, `user '${name}' needs 'password HASH' or 'insecure-password PASS'`);
    list.users.push({ name, secret, groups, loc: at });
    return;
  }
  throw syntaxError(at, `unknown keyword '${kw ?? ''}' in userlist section; expected 'user' or 'group'`);
}

/** Checks group references once the section is complete. */
export function checkUserlist(list: UserlistModel): void {
  const groupNames = new Set(list.groups.map((g) => g.name));
  const userNames = new Set(list.users.map((u) => u.name));
  for (const u of list.users)
    for (const g of u.groups) {
      if (!groupNames.has(g)) throw referenceError(u.loc, `user '${u.name}' names group '${g}', which userlist '${list.name}' does not declare`);
    }
  for (const g of list.groups)
    for (const u of g.users) {
      if (!userNames.has(u)) throw referenceError(g.loc, `group '${g.name}' names user '${u}', which userlist '${list.name}' does not declare`);
    }
}

const CACHE_LIMIT = 1024;

/** A userlist at run time: password checks and group membership. */
export class Userlist {
  private readonly users = new Map<string, UserEntry>();
  private readonly memberOf = new Map<string, Set<string>>();
  /** Successful crypt checks, keyed by a digest of hash and password (hashing costs milliseconds). */
  private readonly verified = new Set<string>();

  constructor(readonly model: UserlistModel) {
    for (const u of model.users) {
      this.users.set(u.name, u);
      this.memberOf.set(u.name, new Set(u.groups));
    }
    for (const g of model.groups) for (const u of g.users) this.memberOf.get(u)?.add(g.name);
  }

  get name(): string {
    return this.model.name;
  }

  hasGroup(name: string): boolean {
    return this.model.groups.some((g) => g.name === name);
  }

  /** True when the user exists and the password is right. */
  check(user: string, password: string): boolean {
    const u = this.users.get(user);
    if (!u) return false;
    if ('clear' in u.secret) return safeEqual(u.secret.clear, password);
    const key = createHash('sha256').update(u.secret.hash).update('\0').update(password, 'latin1').digest('base64');
    if (this.verified.has(key)) return true;
    const computed = unixCrypt(password, u.secret.hash);
    const ok = computed !== null && safeEqual(computed, u.secret.hash);
    if (ok) {
      if (this.verified.size >= CACHE_LIMIT) this.verified.clear();
      this.verified.add(key);
    }
    return ok;
  }

  groupsOf(user: string): string[] {
    return [...(this.memberOf.get(user) ?? [])];
  }

  /** True when the user belongs to one of the groups. */
  inAnyGroup(user: string, groups: readonly string[]): boolean {
    const m = this.memberOf.get(user);
    return m !== undefined && groups.some((g) => m.has(g));
  }
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'latin1');
  const y = Buffer.from(b, 'latin1');
  return x.length === y.length && timingSafeEqual(x, y);
}
