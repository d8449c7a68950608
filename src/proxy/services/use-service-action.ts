import { syntaxError, unsupportedError } from '../config/config-errors.js';
import { registerAction } from '../rules/action-registry.js';
import { routerOf } from '../stats/service-state.js';
import { errorResponse } from '../http/local-response.js';
import { prometheusMetrics } from './prometheus-exporter.js';

/** `http-request use-service NAME`: a built-in service answers instead of a server. */
registerAction({
  name: 'use-service',
  sides: ['http-request'],
  parse: (args, ctx) => {
    if (args.length !== 1) throw syntaxError(ctx.at, `'http-request use-service' needs one service name, e.g. prometheus-exporter`);
    if (args[0] !== 'prometheus-exporter') throw unsupportedError(ctx.at, `service '${args[0]}' is not available; the built-in service is prometheus-exporter`);
    return ({ src }) => {
      const router = routerOf(src);
      return { respond: router ? prometheusMetrics(router, src.uri) : errorResponse(500), termination: 'LR--' };
    };
  },
});
