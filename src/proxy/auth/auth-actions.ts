import { syntaxError } from '../config/config-errors.js';
import { registerAction } from '../rules/action-registry.js';
import { unauthorizedResponse } from './auth-response.js';

/** `http-request auth [realm REALM]`: the 401 challenge; the realm defaults to the proxy's name. */
registerAction({
  name: 'auth',
  sides: ['http-request'],
  parse: (args, ctx) => {
    let realm = ctx.section.name;
    if (args.length > 0) {
      if (args[0] !== 'realm' || args.length !== 2) throw syntaxError(ctx.at, `'http-request auth' takes only 'realm NAME'`);
      realm = args[1]!;
    }
    const response = unauthorizedResponse(realm);
    return () => ({
      respond: { status: response.status, headers: response.headers.map(([n, v]) => [n, v] as [string, string]), body: response.body },
      termination: 'PR--',
    });
  },
});
