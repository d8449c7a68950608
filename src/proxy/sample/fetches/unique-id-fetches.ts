import { registerFetch } from '../sample-registry.js';
import { frontendModelOf, uniqueIdOf } from '../../log/unique-id.js';

/** `unique-id`: the request's ID from `unique-id-format` (empty sample without one). */
registerFetch('unique-id', { defaultMatch: 'str', type: 'str', layer: 'l7req', args: [0, 0] }, (_a, s) => {
  const id = uniqueIdOf(frontendModelOf(s), s);
  return id === undefined ? [] : [id];
});
