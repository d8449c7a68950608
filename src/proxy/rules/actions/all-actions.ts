/**
 * Loads every action family into the registry and re-exports the lookup, so
 * that whoever parses rules sees all of them. A new family is a file that
 * calls registerAction, imported here.
 */
import './var-actions.js';
import './request-actions.js';
import './response-actions.js';
import '../../stick/stick-actions.js';
import '../../auth/auth-actions.js';
import '../../services/use-service-action.js';
import '../../cache/cache-actions.js';

export { lookupAction, actionNames } from '../action-registry.js';
