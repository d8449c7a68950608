/** A parsed HTTP/1.x request or response head. Header names keep their case. */
export interface RequestHead {
  method: string;
  uri: string;
  /** "1.0" or "1.1" */
  version: string;
  headers: [string, string][];
  /** Body framing derived from the headers. */
  contentLength: number;
  chunked: boolean;
  /** The client asked to close (Connection: close, or HTTP/1.0 without keep-alive). */
  wantsClose: boolean;
  upgrade: boolean;
  /** Connection/Keep-Alive/Proxy-Connection present: the head must be rebuilt before forwarding. */
  hopByHop: boolean;
  /** The head's bytes as received. */
  raw: Buffer;
}

export interface ResponseHead {
  version: string;
  status: number;
  reason: string;
  headers: [string, string][];
  /** -1 when the body runs until the server closes. */
  contentLength: number;
  chunked: boolean;
  serverClose: boolean;
  /** Connection or Keep-Alive headers are present and must not reach the client. */
  hopByHop: boolean;
  /** Bytes of the head as received (status line to blank line). */
  raw: Buffer;
}

/** Why a head was refused: the status the client gets and a reason for logs. */
export class HttpParseError extends Error {
  constructor(
    readonly status: 400 | 408 | 413 | 414 | 431 | 501 | 502 | 505,
    message: string,
  ) {
    super(message);
  }
}
