import type { Server } from '../runtime/server.js';
import type { AdminAction } from './admin-form.js';

/**
 * Applies an admin action to a server as HAProxy does: drain keeps the
 * server up with no new balanced traffic, maint takes it out (checks pause),
 * ready clears both. Health actions apply only to servers with checks; agent
 * checks are not supported, so agent actions never apply.
 */
export function applyAdminAction(s: Server, action: AdminAction): 'altered' | 'skipped' {
  const checked = s.model.options.check === true;
  switch (action) {
    case 'ready':
      s.adminDrain = false;
      s.adminMaint = false;
      nolb.delete(s);
      if (s.state === 'MAINT') s.setState('UP');
      return 'altered';
    case 'drain':
      s.adminDrain = true;
      return 'altered';
    case 'maint':
      s.adminMaint = true;
      return 'altered';
    case 'shutdown':
      return 'altered';
    // Enabling or disabling checks needs checks; forcing the health state works on any server.
    case 'dhlth':
    case 'ehlth':
      if (!checked) return 'skipped';
      s.adminChecksOff = action === 'dhlth';
      return 'altered';
    case 'hrunn':
      if (nolb.delete(s)) s.adminDrain = false;
      s.setState('UP');
      return 'altered';
    case 'hdown':
      if (nolb.delete(s)) s.adminDrain = false;
      s.setState('DOWN');
      return 'altered';
    case 'hnolb':
      if (!s.adminDrain) {
        nolb.add(s);
        s.adminDrain = true;
      }
      if (s.state === 'DOWN') s.setState('UP');
      return 'altered';
    default:
      return 'skipped';
  }
}

/** Servers forced to NOLB by a health action: up, taking no balanced traffic. */
const nolb = new WeakSet<Server>();

/** The status word the stats page shows for a server. */
export function serverStatusText(s: Server): string {
  if (s.adminMaint || s.state === 'MAINT') return 'MAINT';
  if (s.state === 'DOWN') return 'DOWN';
  if (nolb.has(s)) return 'NOLB';
  if (s.adminDrain) return 'DRAIN';
  return s.model.options.check === true && !s.adminChecksOff ? s.state : 'no check';
}
