/**
 * The stats page's admin form (`s=SERVER&…&action=ACTION&b=BACKEND`), read
 * the way HAProxy reads it: fields are taken from the last to the first, so
 * the backend and the action (which the form sends after the servers) are
 * known before the servers they apply to.
 */

export type AdminAction = 'ready' | 'drain' | 'maint' | 'dhlth' | 'ehlth' | 'hrunn' | 'hnolb' | 'hdown' | 'dagent' | 'eagent' | 'arunn' | 'adown' | 'shutdown';

const ACTIONS = new Set<string>(['ready', 'drain', 'maint', 'dhlth', 'ehlth', 'hrunn', 'hnolb', 'hdown', 'dagent', 'eagent', 'arunn', 'adown', 'shutdown']);

/** The `;st=` codes the page redirects to after a POST. */
export type AdminStatus = 'DONE' | 'PART' | 'NONE' | 'ERRP' | 'EXCD' | 'DENY' | 'UNKN';

/** What the form is applied to: found by name or by `#ID`, then its servers by name. */
export interface AdminTarget<S> {
  findBackend(nameOrId: string): { findServer(name: string): S | undefined } | undefined;
  /** Applies the action; 'skipped' when it does not apply to this server (e.g. health actions without checks). */
  apply(server: S, action: AdminAction): 'altered' | 'skipped';
}

/** Splits an application/x-www-form-urlencoded body into ordered pairs. */
export function parseFormBody(body: string): [string, string][] {
  const out: [string, string][] = [];
  for (const part of body.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const dec = (s: string) => {
      try {
        return decodeURIComponent(s.replace(/\+/g, ' '));
      } catch {
        return s;
      }
    };
    out.push(eq < 0 ? [dec(part), ''] : [dec(part.slice(0, eq)), dec(part.slice(eq + 1))]);
  }
  return out;
}

/** Applies a posted admin form and returns the status code the redirect carries. */
export function processAdminForm<S>(body: string, target: AdminTarget<S>): AdminStatus {
  const fields = parseFormBody(body);
  let backend: ReturnType<AdminTarget<S>['findBackend']>;
  let action: AdminAction | undefined;
  let total = 0;
  let altered = 0;
  for (let i = fields.length - 1; i >= 0; i--) {
    const [key, value] = fields[i]!;
    if (key === 'b' && backend === undefined) {
      backend = target.findBackend(value);
      if (!backend) return 'ERRP';
    } else if (key === 'action' && action === undefined) {
      if (!ACTIONS.has(value)) return 'ERRP';
      action = value as AdminAction;
    } else if (key === 's') {
      if (!backend || !action) continue;
      const server = backend.findServer(value);
      if (!server) {
        total++;
        continue;
      }
      if (target.apply(server, action) === 'altered') {
        total++;
        altered++;
      }
    }
  }
  if (total === 0) return 'NONE';
  if (altered === 0) return 'ERRP';
  return altered === total ? 'DONE' : 'PART';
}
