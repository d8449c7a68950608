import { createHash } from 'node:crypto';

/**
 * crypt(3) password hashes as userlists store them: MD5-crypt (`$1$`) and
 * SHA-crypt (`$5$` SHA-256, `$6$` SHA-512, with optional `rounds=N$`), the
 * formats `openssl passwd -1/-5/-6` and `mkpasswd` produce.
 */

const ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function to64(value: number, chars: number): string {
  let out = '';
  let v = value;
  for (let i = 0; i < chars; i++) {
    out += ITOA64[v & 0x3f];
    v >>>= 6;
  }
  return out;
}

function digest(alg: string, ...parts: Buffer[]): Buffer {
  const h = createHash(alg);
  for (const p of parts) h.update(p);
  return h.digest();
}

function repeatTo(block: Buffer, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i += block.length) block.copy(out, i, 0, Math.min(block.length, length - i));
  return out;
}

/** MD5-crypt: `$1$SALT$HASH`, salt up to 8 characters, 1000 rounds. */
export function md5Crypt(password: Buffer, saltText: string): string {
  const salt = Buffer.from(saltText.split('$')[0]!.slice(0, 8), 'latin1');
  const magic = Buffer.from('$1$');
  const alt = digest('md5', password, salt, password);
  const ctx = createHash('md5');
  ctx.update(password);
  ctx.update(magic);
  ctx.update(salt);
  for (let left = password.length; left > 0; left -= 16) ctx.update(alt.subarray(0, Math.min(left, 16)));
  for (let i = password.length; i > 0; i >>= 1) ctx.update(i & 1 ? Buffer.alloc(1) : password.subarray(0, 1));
  let f = ctx.digest();
  for (let i = 0; i < 1000; i++) {
    const c = createHash('md5');
    c.update(i & 1 ? password : f);
    if (i % 3) c.update(salt);
    if (i % 7) c.update(password);
    c.update(i & 1 ? f : password);
    f = c.digest();
  }
  const g = (a: number, b: number, c: number) => to64((f[a]! << 16) | (f[b]! << 8) | f[c]!, 4);
  const hash = g(0, 6, 12) + g(1, 7, 13) + g(2, 8, 14) + g(3, 9, 15) + g(4, 10, 5) + to64(f[11]!, 2);
  return `$1$${salt.toString('latin1')}$${hash}`;
}

const ROUNDS_DEFAULT = 5000;

/** SHA-crypt (`$5$`/`$6$`). `spec` is what follows the id: `[rounds=N$]SALT[$…]`. */
export function shaCrypt(kind: 5 | 6, password: Buffer, spec: string): string {
  const alg = kind === 5 ? 'sha256' : 'sha512';
  const size = kind === 5 ? 32 : 64;
  let rest = spec;
  let rounds = ROUNDS_DEFAULT;
  let customRounds = false;
  const r = /^rounds=(\d+)\$/.exec(rest);
  if (r) {
    rounds = Math.min(999_999_999, Math.max(1000, Number(r[1])));
    customRounds = true;
    rest = rest.slice(r[0].length);
  }
  const salt = Buffer.from(rest.split('$')[0]!.slice(0, 16), 'latin1');
  const b = digest(alg, password, salt, password);
  const a = createHash(alg);
  a.update(password);
  a.update(salt);
  let i = password.length;
  for (; i > size; i -= size) a.update(b);
  a.update(b.subarray(0, i));
  for (let n = password.length; n > 0; n >>= 1) a.update(n & 1 ? b : password);
  const aFinal = a.digest();
  const dp = createHash(alg);
  for (let n = 0; n < password.length; n++) dp.update(password);
  const p = repeatTo(dp.digest(), password.length);
  const ds = createHash(alg);
  for (let n = 0; n < 16 + aFinal[0]!; n++) ds.update(salt);
  const s = repeatTo(ds.digest(), salt.length);
  let c = aFinal;
  for (let n = 0; n < rounds; n++) {
    const h = createHash(alg);
    h.update(n & 1 ? p : c);
    if (n % 3) h.update(s);
    if (n % 7) h.update(p);
    h.update(n & 1 ? c : p);
    c = h.digest();
  }
  let out = '';
  const third = size === 32 ? 10 : 21;
  for (let g = 0; g < third; g++) {
    const x = g,
      y = g + third,
      z = g + 2 * third;
    // The spec interleaves the digest bytes in a rotating order.
    const order =
      kind === 6
        ? [
            [x, y, z],
            [y, z, x],
            [z, x, y],
          ][g % 3]!
        : [
            [x, y, z],
            [z, x, y],
            [y, z, x],
          ][g % 3]!;
    out += to64((c[order[0]!]! << 16) | (c[order[1]!]! << 8) | c[order[2]!]!, 4);
  }
  out += kind === 6 ? to64(c[63]!, 2) : to64((c[31]! << 8) | c[30]!, 3);
  return `$${kind}$${customRounds ? `rounds=${rounds}$` : ''}${salt.toString('latin1')}$${out}`;
}

/** True when `hash` names a format this module computes. */
export function isSupportedCryptHash(hash: string): boolean {
  return /^\$(1|5|6)\$/.test(hash);
}

/** crypt(password, hash) as libc would compute it, or null for an unsupported format. */
export function unixCrypt(password: string, hash: string): string | null {
  const pw = Buffer.from(password, 'latin1');
  if (hash.startsWith('$1$')) return md5Crypt(pw, hash.slice(3));
  if (hash.startsWith('$5$')) return shaCrypt(5, pw, hash.slice(3));
  if (hash.startsWith('$6$')) return shaCrypt(6, pw, hash.slice(3));
  return null;
}
