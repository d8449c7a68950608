import { describe, it, expect } from 'vitest';
import { startFixture } from './support/proxy-fixture.js';
import { send } from './support/http-client.js';
import { CustomLogFormat, HTTPLOG_FORMAT } from '../../src/proxy/log/custom-log-format.js';
import { formatHttpLog, type HttpLogRecord } from '../../src/proxy/log/http-log-line.js';
import { ConfigParser } from '../../src/proxy/config/config-parser.js';
import { DocklabError } from '../../src/errors.js';

const at = { file: 'haproxy.cfg', line: 3 };
const record: HttpLogRecord = {
  clientAddr: '10.0.0.7',
  clientPort: 51234,
  acceptedAt: Date.UTC(2026, 10, 30, 12, 0, 0, 5),
  frontend: 'fe',
  ssl: true,
  backend: 'api',
  server: 'a1',
  tr: 1,
  tw: 0,
  tc: 2,
  trServer: 5,
  ta: 9,
  status: 200,
  bytes: 321,
  termination: '----',
  actconn: 3,
  feconn: 2,
  beconn: 1,
  srvconn: 1,
  retries: 0,
  method: 'GET',
  uri: '/x?y=1',
  version: '1.1',
};

describe('log-format strings', () => {
  it('renders the common variables', () => {
    const f = CustomLogFormat.compile('%ci:%cp %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %tsc %ts %ac/%fc/%bc/%sc/%rc %HM %HP %HQ %HV %{+Q}r', at);
    expect(f.render({ record })).toBe('10.0.0.7:51234 fe~ api/a1 1/0/2/5/9 200 321 ---- -- 3/2/1/1/0 GET /x ?y=1 HTTP/1.1 "GET /x?y=1 HTTP/1.1"');
  });
  it('renders the httplog format exactly like the built-in httplog line when nothing is captured', () => {
    const f = CustomLogFormat.compile(HTTPLOG_FORMAT, at);
    expect(f.render({ record })).toBe(formatHttpLog(record));
  });
  it('prints captures as {a|b} and collapses separators around empty ones', () => {
    const f = CustomLogFormat.compile('%ST  %hr %hs %B', at);
    expect(f.render({ record, reqCaptures: ['host.example', undefined] })).toBe('200 {host.example|} 321');
    expect(f.render({ record })).toBe('200 321');
  });
  it('keeps %% and literal text, and refuses unknown variables and unclosed %[', () => {
    expect(CustomLogFormat.compile('100%% [%ST]', at).render({ record })).toBe('100% [200]');
    expect(() => CustomLogFormat.compile('%zz', at)).toThrow(DocklabError);
    expect(() => CustomLogFormat.compile('%[path', at)).toThrow(/without '\]'/);
  });
  it('is accepted in defaults and frontends, and option httplog later replaces it', () => {
    const m = ConfigParser.parseText('defaults\n  log-format "%ci %ST"\nfrontend a\n  bind :0\nfrontend b\n  bind :0\n  option httplog\n', 'haproxy.cfg');
    expect(m.frontends[0]!.settings.logFormat).toBeDefined();
    expect(m.frontends[1]!.settings.logFormat).toBeUndefined();
    expect(() => ConfigParser.parseText('frontend a\n  log-format %ci %ST\n', 'haproxy.cfg')).toThrow(/expects exactly one argument/);
  });
});

describe('log-format, captures and unique IDs on a running proxy', () => {
  it('logs with the frontend log-format, captured headers and the unique ID sent to the server', async () => {
    const fx = await startFixture(
      `global
  log stdout format raw local0
defaults
  log global
  mode http
  timeout client 5s
  timeout connect 1s
  timeout server 5s
frontend fe
  bind @FE
  capture request header Host len 20
  capture request header User-Agent len 5
  unique-id-format "%ci_%HM_%HP"
  unique-id-header X-Request-ID
  log-format "%ci [%tr] %ft %b/%s %ST %B %hr %ID %{+Q}r"
  default_backend b
backend b
  server s1 @S1
`,
      ['s1'],
    );
    try {
      const res = await send(fx.port, { path: '/hello?q=1', headers: { Host: 'example.test', 'User-Agent': 'curl/8.0' } });
      const seen = JSON.parse(res.body) as { headers: Record<string, string> };
      expect(seen.headers['x-request-id']).toBe('127.0.0.1_GET_/hello');
      const logged = () => fx.logs.find((l) => l.includes('"GET /hello?q=1 HTTP/1.1"'));
      for (let i = 0; i < 500 && !logged(); i++) await new Promise((r) => setTimeout(r, 10));
      const line = logged();
      expect(line).toMatch(
        /^127\.0\.0\.1 \[\d\d\/\w{3}\/\d{4}:\d\d:\d\d:\d\d\.\d{3}\] fe b\/s1 200 \d+ \{example\.test\|curl\/\} 127\.0\.0\.1_GET_\/hello "GET \/hello\?q=1 HTTP\/1\.1"$/,
      );
    } finally {
      await fx.close();
    }
  });
});
