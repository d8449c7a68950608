/**
 * The string hash functions HAProxy offers for `hash-type … FUNCTION`, and
 * its integer avalanche mix. Keys are hashed as bytes (latin1), so results
 * match HAProxy bit for bit and a key lands on the same server.
 */
export type HashFunctionName = 'sdbm' | 'djb2' | 'wt6' | 'crc32';

export function sdbm(key: Uint8Array): number {
  let h = 0;
  for (let i = 0; i < key.length; i++) h = (key[i]! + (h << 6) + (h << 16) - h) >>> 0;
  return h;
}

export function djb2(key: Uint8Array): number {
  let h = 5381;
  for (let i = 0; i < key.length; i++) h = ((h << 5) + h + key[i]!) >>> 0;
  return h;
}

export function wt6(key: Uint8Array): number {
  let h0 = 0xa53c965a;
  let h1 = 0x5ca6953a;
  let step0 = 6;
  let step1 = 18;
  for (let i = 0; i < key.length; i++) {
    let t = key[i]!;
    h0 = ~(h0 ^ t) >>> 0;
    h1 = ~((h1 + t) >>> 0) >>> 0;
    // A rotation by 0 keeps the value (the shift by 32 is masked to 0, as on the CPU HAProxy runs on).
    t = ((h1 << step0) | (h1 >>> (32 - step0))) >>> 0;
    h1 = ((h0 << step1) | (h0 >>> (32 - step1))) >>> 0;
    h0 = t;
    t = ((h0 >>> 16) ^ h1) & 0xffff;
    step0 = t & 0x1f;
    step1 = t >>> 11;
  }
  return (h0 ^ h1) >>> 0;
}

export function crc32(key: Uint8Array): number {
  let h = 0xffffffff;
  for (let i = 0; i < key.length; i++) {
    h = (h ^ key[i]!) >>> 0;
    for (let b = 0; b < 8; b++) h = ((h >>> 1) ^ (h & 1 ? 0xedb88320 : 0)) >>> 0;
  }
  return ~h >>> 0;
}

/** Bob Jenkins' full-avalanche integer mix, then spread over the ring by a large prime. */
export function fullHash(x: number): number {
  let a = x >>> 0;
  a = (a + 0x7ed55d16 + (a << 12)) >>> 0;
  a = (a ^ 0xc761c23c ^ (a >>> 19)) >>> 0;
  a = (a + 0x165667b1 + (a << 5)) >>> 0;
  a = ((a + 0xd3a2646c) ^ (a << 9)) >>> 0;
  a = (a + 0xfd7046c5 + (a << 3)) >>> 0;
  a = (a ^ 0xb55a4f09 ^ (a >>> 16)) >>> 0;
  return Math.imul(a, 3221225473) >>> 0;
}

const FUNCTIONS: Record<HashFunctionName, (key: Uint8Array) => number> = { sdbm, djb2, wt6, crc32 };

export function hashKey(fn: HashFunctionName, key: string | Uint8Array): number {
  const bytes = typeof key === 'string' ? Buffer.from(key, 'latin1') : key;
  return FUNCTIONS[fn](bytes);
}
