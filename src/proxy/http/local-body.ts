/** Bodies the proxy reads for itself (the stats admin form) are cut at this size. */
export const LOCAL_BODY_LIMIT = 64 * 1024;

/** Decodes a chunked body already checked by ChunkedScanner (sizes, data, trailers). */
export function dechunk(framed: Buffer): Buffer {
  const out: Buffer[] = [];
  let i = 0;
  while (i < framed.length) {
    const eol = framed.indexOf('\n', i);
    if (eol < 0) break;
    const size = parseInt(framed.subarray(i, eol).toString('latin1').split(';')[0]!.trim(), 16);
    if (!Number.isFinite(size) || size === 0) break;
    out.push(framed.subarray(eol + 1, eol + 1 + size));
    i = eol + 1 + size;
    if (framed[i] === 13) i++;
    if (framed[i] === 10) i++;
  }
  return Buffer.concat(out);
}
