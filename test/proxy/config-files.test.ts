import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { ConfigParser } from '../../src/proxy/config/config-parser.js';
import { DocklabError } from '../../src/errors.js';
import { serializeErrorFile } from '../../src/proxy/http/error-reply.js';
import { errorResponse, serializeLocalResponse } from '../../src/proxy/http/local-response.js';

let dir: string;
const parse = (text: string) => ConfigParser.parseText(text, 'haproxy.cfg', { dir, env: {} });
function failure(text: string): DocklabError {
  try {
    parse(text);
  } catch (e) {
    if (e instanceof DocklabError) return e;
    throw e;
  }
  throw new Error('expected the configuration to be refused');
}
const fe = (bind: string, more = '') => `frontend fe\n  bind :0 ${bind}\n  timeout client 1s\n${more}`;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'docklab-cfgfiles-'));
  mkdirSync(join(dir, 'certs'));
  for (const f of ['b.pem', 'a.pem', 'a.pem.key', 'a.pem.ocsp', '.hidden']) writeFileSync(join(dir, 'certs', f), 'x');
  writeFileSync(join(dir, 'list.txt'), `${join(dir, 'certs/a.pem')} www.example.test !bad.example.test\n\n${join(dir, 'certs/b.pem')}\n`);
  writeFileSync(join(dir, 'opts.txt'), `${join(dir, 'certs/a.pem')} [verify required] www.example.test\n`);
  writeFileSync(join(dir, 'ok.http'), 'HTTP/1.1 503 Busy\r\nContent-Length: 4\r\n\r\nbusy');
  writeFileSync(join(dir, 'lf.http'), 'HTTP/1.0 403 Nope\nX-A:  b  \n\nno');
  writeFileSync(join(dir, 'bad.http'), 'garbage\n');
  writeFileSync(join(dir, 'cl.http'), 'HTTP/1.1 503 X\r\nContent-Length: 10\r\n\r\nabc');
  writeFileSync(join(dir, 'te.http'), 'HTTP/1.1 503 X\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n');
  writeFileSync(join(dir, 'empty.http'), '');
});

describe('bind TLS options', () => {
  it('reads ca-file, verify, strict-sni, versions, ciphers and tickets', () => {
    const b = parse(
      fe(
        `ssl crt ${dir}/certs/a.pem ca-file ${dir}/ca.pem verify required strict-sni ssl-min-ver TLSv1.2 ssl-max-ver TLSv1.3 ciphers ECDHE no-tls-tickets alpn h2,http/1.1 name web`,
      ),
    ).frontends[0]!.binds[0]!;
    expect(b.tls).toMatchObject({
      caFile: `${dir}/ca.pem`,
      verify: 'required',
      strictSni: true,
      minVersion: 'TLSv1.2',
      maxVersion: 'TLSv1.3',
      ciphers: 'ECDHE',
      noTlsTickets: true,
    });
    expect(b.name).toBe('web');
    expect(b.alpn).toEqual(['h2', 'http/1.1']);
  });
  it('expands crt DIR into its certificates, sorted, without companion files', () => {
    const b = parse(fe(`ssl crt ${dir}/certs`)).frontends[0]!.binds[0]!;
    expect(b.certFiles).toEqual([join(dir, 'certs/a.pem'), join(dir, 'certs/b.pem')]);
  });
  it('reads a crt-list with SNI filters and refuses per-certificate options', () => {
    const b = parse(fe(`ssl crt-list ${dir}/list.txt`)).frontends[0]!.binds[0]!;
    expect(b.certFiles).toEqual([join(dir, 'certs/a.pem'), join(dir, 'certs/b.pem')]);
    expect(b.tls!.sniFilters).toEqual({ [join(dir, 'certs/a.pem')]: ['www.example.test', '!bad.example.test'] });
    expect(failure(fe(`ssl crt-list ${dir}/opts.txt`)).message).toMatch(/opts\.txt:1: per-certificate options '\[verify required\]'/);
  });
  it('applies ssl-default-bind-options and ssl-default-bind-ciphers before the bind line', () => {
    const m = parse(
      `global\n  ssl-default-bind-options ssl-min-ver TLSv1.2 no-tls-tickets\n  ssl-default-bind-ciphers AES128\n${fe(`ssl crt ${dir}/certs/a.pem ssl-min-ver TLSv1.3`)}`,
    );
    expect(m.frontends[0]!.binds[0]!.tls).toMatchObject({ minVersion: 'TLSv1.3', noTlsTickets: true, ciphers: 'AES128' });
  });
  it('turns no-tlsv1x flags into a version range', () => {
    const b = parse(fe(`ssl crt ${dir}/certs/a.pem no-sslv3 no-tlsv10 no-tlsv11`)).frontends[0]!.binds[0]!;
    expect(b.tls).toMatchObject({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' });
  });
  it('resolves ca-file against ca-base', () => {
    const b = parse(`global\n  ca-base /etc/ssl/ca\n${fe(`ssl crt ${dir}/certs/a.pem ca-file root.pem verify optional`)}`).frontends[0]!.binds[0]!;
    expect(b.tls!.caFile).toBe('/etc/ssl/ca/root.pem');
  });
  it('refuses what HAProxy refuses and what docklab cannot do, with the line', () => {
    expect(failure(fe(`ssl crt ${dir}/certs/a.pem verify required`)).message).toMatch(/haproxy\.cfg:2: verify is enabled but no CA file/);
    expect(failure(fe(`ssl crt ${dir}/certs/a.pem ssl-min-ver TLSv1.9`)).message).toMatch(/'TLSv1\.9' : unknown ssl\/tls version/);
    expect(failure(fe(`ssl crt ${dir}/certs/a.pem verify sometimes ca-file x`)).message).toMatch(/expects none, optional or required/);
    expect(failure(fe('ssl')).message).toMatch(/no SSL certificate specified/);
    expect(failure(fe('transparent')).code).toBe('DOCKLAB_CONFIG_UNSUPPORTED');
    expect(failure(fe('proto h2')).code).toBe('DOCKLAB_CONFIG_UNSUPPORTED');
  });
  it('parses accept-proxy without a warning (the header is read)', () => {
    const m = parse(fe('accept-proxy'));
    expect(m.frontends[0]!.binds[0]!.acceptProxy).toBe(true);
    expect(m.warnings.some((w) => /accept-proxy/.test(w))).toBe(false);
  });
});

describe('errorfile, errorfiles, http-errors, http-error', () => {
  it('keeps an error file as HAProxy sends it (lower-case names, trimmed values, LF files accepted)', () => {
    const m = parse(fe('', `  errorfile 403 ${dir}/lf.http\n  errorfile 503 ok.http\n`.replace('ok.http', `${dir}/ok.http`)));
    const msg = m.frontends[0]!.settings.errorFiles!.get(403)!;
    expect(msg).toMatchObject({ version: '1.0', status: 403, reason: 'Nope', headers: [['x-a', 'b']], hasLength: false });
    expect(serializeErrorFile(msg, true, false).toString()).toBe('HTTP/1.0 403 Nope\r\nx-a: b\r\n\r\nno');
    expect(serializeErrorFile(msg, false, false).toString()).toBe('HTTP/1.0 403 Nope\r\nx-a: b\r\nconnection: keep-alive\r\n\r\nno');
  });
  it('resolves relative error files with default-path', () => {
    const m = parse(`global\n  default-path config\n${fe('', '  errorfile 503 ok.http\n')}`);
    expect(m.frontends[0]!.settings.errorFiles!.get(503)!.file).toBe(join(dir, 'ok.http'));
  });
  it('refuses error files HAProxy refuses', () => {
    expect(failure(fe('', `  errorfile 503 ${dir}/bad.http\n`)).message).toMatch(/haproxy\.cfg:4: errorfile: '.*bad\.http': unable to parse headers/);
    expect(failure(fe('', `  errorfile 503 ${dir}/cl.http\n`)).message).toMatch(/payload size does not match the announced content-length \(3 != 10\)/);
    expect(failure(fe('', `  errorfile 503 ${dir}/te.http\n`)).message).toMatch(/chunk-encoded payload not supported/);
    expect(failure(fe('', `  errorfile 418 ${dir}/ok.http\n`)).message).toMatch(/status code '418' not handled/);
    expect(failure(fe('', `  errorfile 503 ${dir}/missing.http\n`)).message).toMatch(/error opening file/);
    expect(failure(fe('', '  errorfile 503\n')).message).toMatch(/expects <status_code> and <file>/);
  });
  it('takes errorfiles from http-errors sections in order, a later line winning', () => {
    const m = parse(
      `http-errors site\n  errorfile 503 ${dir}/ok.http\n  errorfile 403 ${dir}/lf.http\n${fe('', `  errorfile 403 ${dir}/ok.http\n  errorfiles site 503\n`)}`,
    );
    const files = m.frontends[0]!.settings.errorFiles!;
    expect(files.get(403)!.file).toBe(join(dir, 'ok.http'));
    expect(files.get(503)!.file).toBe(join(dir, 'ok.http'));
    expect(failure(fe('', '  errorfiles nosuch\n')).message).toMatch(/unknown http-errors section 'nosuch'/);
    expect(failure('http-errors site\n  errorloc 503 /x\n').message).toMatch(/only 'errorfile CODE FILE' is allowed/);
  });
  it('hands errorfiles down from defaults', () => {
    const m = parse(`defaults\n  errorfile 503 ${dir}/ok.http\n${fe('')}backend b\n  timeout connect 1s\n  timeout server 1s\n`);
    expect(m.frontends[0]!.settings.errorFiles!.get(503)).toBeDefined();
    expect(m.backends[0]!.settings.errorFiles!.get(503)).toBeDefined();
  });
  it('builds http-error answers in HAProxy header order', () => {
    const m = parse(fe('', '  http-error status 403 content-type text/plain string "go away" hdr X-A b\n'));
    const msg = m.frontends[0]!.settings.errorFiles!.get(403)!;
    expect(serializeErrorFile(msg, false, false).toString()).toBe(
      'HTTP/1.1 403 Forbidden\r\nx-a: b\r\ncontent-length: 7\r\ncontent-type: text/plain\r\n\r\ngo away',
    );
    expect(failure(fe('', '  http-error status 418\n')).message).toMatch(/status code '418' not handled/);
  });
  it('warns like HAProxy when a deny names a status its http-errors section lacks', () => {
    const m = parse(`http-errors site\n  errorfile 503 ${dir}/ok.http\n${fe('', '  http-request deny errorfiles site\n')}`);
    expect(m.warnings.some((w) => /status '403' referenced by an http reply not declared in http-errors section 'site'/.test(w))).toBe(true);
  });
  it('an empty error file means closing without an answer', () => {
    const m = parse(fe('', `  errorfile 403 ${dir}/empty.http\n`));
    expect(serializeErrorFile(m.frontends[0]!.settings.errorFiles!.get(403)!, true, false).length).toBe(0);
  });
  it('built-in error pages are HAProxy 2.6 bytes', () => {
    expect(serializeLocalResponse(errorResponse(403), false).toString()).toBe(
      'HTTP/1.1 403 Forbidden\r\ncontent-length: 93\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n\r\n<html><body><h1>403 Forbidden</h1>\nRequest forbidden by administrative rules.\n</body></html>\n',
    );
    expect(serializeLocalResponse(errorResponse(400), true).toString()).toMatch(
      /^HTTP\/1\.1 400 Bad request\r\ncontent-length: 90\r\ncache-control: no-cache\r\ncontent-type: text\/html\r\nconnection: close\r\n\r\n/,
    );
  });
});

describe('sections', () => {
  it('skips a program section with a warning, also after a userlist', () => {
    const m = parse(
      'userlist u\n  user a insecure-password b\nprogram api\n  command dataplaneapi --port 5555\n  no option start-on-reload\nfrontend fe\n  bind :0\n  timeout client 1s\n',
    );
    expect(m.frontends[0]!.name).toBe('fe');
    expect(m.warnings.some((w) => /section 'program' is ignored/.test(w))).toBe(true);
  });
});
