import { describe, it, expect } from 'vitest';
import { parseFormBody, processAdminForm, type AdminAction, type AdminTarget } from '../../src/proxy/stats/admin-form.js';

interface FakeServer {
  name: string;
  checked: boolean;
  log: AdminAction[];
}

function target(backends: Record<string, FakeServer[]>, ids: Record<string, string> = {}): AdminTarget<FakeServer> {
  return {
    findBackend: (key) => {
      const name = key.startsWith('#') ? ids[key] : key;
      const servers = name ? backends[name] : undefined;
      return servers ? { findServer: (n) => servers.find((s) => s.name === n) } : undefined;
    },
    apply: (s, action) => {
      if (['dhlth', 'ehlth', 'hrunn', 'hnolb', 'hdown'].includes(action) && !s.checked) return 'skipped';
      if (['dagent', 'eagent', 'arunn', 'adown'].includes(action)) return 'skipped';
      s.log.push(action);
      return 'altered';
    },
  };
}

const srv = (name: string, checked = false): FakeServer => ({ name, checked, log: [] });

describe('stats admin form', () => {
  it('decodes url-encoded pairs in order, + as space', () => {
    expect(parseFormBody('s=a%20b&s=c+d&action=drain&b=%231&&flag')).toEqual([
      ['s', 'a b'],
      ['s', 'c d'],
      ['action', 'drain'],
      ['b', '#1'],
      ['flag', ''],
    ]);
  });

  it('applies the action to every listed server of the backend: DONE', () => {
    const a = srv('a');
    const b = srv('b');
    expect(processAdminForm('s=a&s=b&action=maint&b=app', target({ app: [a, b] }))).toBe('DONE');
    expect(a.log).toEqual(['maint']);
    expect(b.log).toEqual(['maint']);
  });

  it('finds the backend by #id', () => {
    const a = srv('a');
    expect(processAdminForm('s=a&action=drain&b=%233', target({ app: [a] }, { '#3': 'app' }))).toBe('DONE');
    expect(a.log).toEqual(['drain']);
  });

  it('reads fields from the last one: servers before the backend and action are still applied', () => {
    const a = srv('a');
    expect(processAdminForm('s=a&b=app&action=ready', target({ app: [a] }))).toBe('DONE');
  });

  it('servers named before a backend is known are skipped: NONE', () => {
    const a = srv('a');
    expect(processAdminForm('action=drain&b=app&s=a', target({ app: [a] }))).toBe('NONE');
    expect(a.log).toEqual([]);
    expect(processAdminForm('s=a&action=drain', target({ app: [a] }))).toBe('NONE');
  });

  it('no server at all: NONE', () => {
    expect(processAdminForm('action=drain&b=app', target({ app: [srv('a')] }))).toBe('NONE');
  });

  it('unknown backend or action, or an empty action: ERRP', () => {
    expect(processAdminForm('s=a&action=drain&b=nope', target({ app: [srv('a')] }))).toBe('ERRP');
    expect(processAdminForm('s=a&action=bogus&b=app', target({ app: [srv('a')] }))).toBe('ERRP');
    expect(processAdminForm('s=a&action=&b=app', target({ app: [srv('a')] }))).toBe('ERRP');
  });

  it('only unknown servers: ERRP; some known, some unknown: PART', () => {
    expect(processAdminForm('s=zz&action=drain&b=app', target({ app: [srv('a')] }))).toBe('ERRP');
    expect(processAdminForm('s=a&s=zz&action=drain&b=app', target({ app: [srv('a')] }))).toBe('PART');
  });

  it('health actions on servers without checks count for nothing: NONE', () => {
    const a = srv('a');
    expect(processAdminForm('s=a&action=dhlth&b=app', target({ app: [a] }))).toBe('NONE');
    expect(processAdminForm('s=a&action=dhlth&b=app', target({ app: [srv('a', true)] }))).toBe('DONE');
  });
});
