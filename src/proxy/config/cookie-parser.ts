import type { CookieModel, Loc, ProxySettings } from './model.js';
import { syntaxError } from './config-errors.js';
import { parseTime } from './time-units.js';

/**
 * `cookie NAME [rewrite|insert|prefix] [indirect] [nocache] [postonly]
 * [preserve] [httponly] [secure] [domain D]… [maxidle T] [maxlife T]
 * [dynamic] [attr V]…`. Without a mode the cookie is only read: the
 * application sets it, the balancer routes on it.
 */
export function parseCookie(words: readonly string[], at: Loc, settings: ProxySettings): void {
  const name = words[1];
  if (!name) throw syntaxError(at, `'cookie' expects <cookie_name> as argument, e.g. 'cookie SERVERID insert indirect nocache'`);
  const c: CookieModel = { name, insert: false, indirect: false, nocache: false, preserve: false, httponly: false, secure: false, loc: at };
  const setMode = (m: 'insert' | 'prefix' | 'rewrite') => {
    if (c.mode && c.mode !== m) throw syntaxError(at, `cookie 'rewrite', 'insert' and 'prefix' modes are incompatible`);
    c.mode = m;
    c.insert = m === 'insert';
  };
  for (let i = 2; i < words.length; i++) {
    const w = words[i]!;
    const value = () => {
      const v = words[++i];
      if (v === undefined) throw syntaxError(at, `'${w}' expects an argument`);
      return v;
    };
    switch (w) {
      case 'insert':
      case 'prefix':
      case 'rewrite':
        setMode(w);
        break;
      case 'indirect':
        c.indirect = true;
        break;
      case 'nocache':
        c.nocache = true;
        break;
      case 'postonly':
        c.postonly = true;
        break;
      case 'preserve':
        c.preserve = true;
        break;
      case 'httponly':
        c.httponly = true;
        break;
      case 'secure':
        c.secure = true;
        break;
      case 'dynamic':
        c.dynamic = true;
        break;
      case 'domain':
        (c.domains ??= []).push(value());
        break;
      case 'maxidle':
      case 'maxlife': {
        const ms = parseTime(value());
        if (ms === null) throw syntaxError(at, `'${w}' expects a time such as 30m or 1d`);
        c[w] = Math.floor(ms / 1000);
        break;
      }
      case 'attr': {
        const v = value();
        const bad = [...v].find((ch) => ch === ';' || ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f);
        if (bad) throw syntaxError(at, `character '%x${bad.charCodeAt(0).toString(16).toUpperCase()}' is not permitted in attribute value`);
        (c.attrs ??= []).push(v);
        break;
      }
      default:
        throw syntaxError(
          at,
          `cookie supports 'rewrite', 'insert', 'prefix', 'indirect', 'nocache', 'postonly', 'domain', 'maxidle', 'maxlife', 'dynamic', 'attr', 'preserve', 'httponly' and 'secure' options; got '${w}'`,
        );
    }
  }
  settings.cookie = c;
}
