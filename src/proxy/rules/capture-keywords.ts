import { syntaxError } from '../config/config-errors.js';
import type { Loc, ProxySection } from '../config/model.js';
import { declareCapture, declareHeaderCapture } from './actions/capture-slots.js';

/** `capture request|response header NAME len N` and `declare capture request|response len N` (frontends). */
export function parseCaptureKeyword(words: readonly string[], at: Loc, section: ProxySection): void {
  const isDeclare = words[0] === 'declare';
  const w = isDeclare ? words.slice(1) : words;
  const side = w[1];
  if (w[0] !== 'capture' || (side !== 'request' && side !== 'response')) {
    throw syntaxError(
      at,
      isDeclare
        ? `'declare' supports only 'declare capture request|response len N'`
        : `'capture' needs 'request header NAME len N' or 'response header NAME len N' ('capture cookie' is not supported)`,
    );
  }
  if (section.kind === 'backend') throw syntaxError(at, `'${words[0]} ${w.slice(0, 2).join(' ')}' is only allowed in a frontend or listen section`);
  if (isDeclare) {
    if (w[2] !== 'len' || !/^\d+$/.test(w[3] ?? '') || w.length > 4) throw syntaxError(at, `'declare capture ${side}' needs 'len N'`);
    declareCapture(section, side, Number(w[3]));
    return;
  }
  if (w[2] !== 'header' || !w[3] || w[4] !== 'len' || !/^\d+$/.test(w[5] ?? '') || w.length > 6)
    throw syntaxError(at, `'capture ${side}' needs 'header NAME len N'`);
  declareHeaderCapture(section, side, w[3], Number(w[5]));
}
