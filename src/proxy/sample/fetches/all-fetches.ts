/**
 * Loads every fetch family into the registry. A new family is a file under
 * this folder (or the area's own folder) that calls registerFetch, imported here.
 */
import './connection-fetches.js';
import './http-request-fetches.js';
import './response-fetches.js';
import './internal-fetches.js';
import './capture-fetches.js';
import '../../stick/stick-fetches.js';
import '../../auth/auth-fetches.js';
import './tls-client-fetches.js';
import '../../tcp/tcp-payload-fetches.js';
import './unique-id-fetches.js';
