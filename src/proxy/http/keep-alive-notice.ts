const END = Buffer.from('\r\n\r\n', 'latin1');
const LINE = Buffer.from('\r\nconnection: keep-alive', 'latin1');

/**
 * An HTTP/1.0 client keeps its connection only when the answer says so: adds
 * `connection: keep-alive` as the last field of a serialised HTTP/1.1 head
 * (where HAProxy puts it), unless the head already has a Connection field.
 */
export function withKeepAliveNotice(out: Buffer): Buffer {
  const end = out.indexOf(END);
  if (end < 0) return out;
  if (/\r\nconnection:/i.test(out.subarray(0, end).toString('latin1'))) return out;
  return Buffer.concat([out.subarray(0, end), LINE, out.subarray(end)]);
}
