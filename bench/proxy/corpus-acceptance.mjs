// Measures how many real-world haproxy.cfg files that HAProxy accepts
// `docklab proxy -c` also accepts, and which keywords make it refuse the rest.
//
// Usage: node bench/proxy/corpus-acceptance.mjs DIR [--out DIR2] [--json]
//          [--entry dist/src/proxy/main.js | --no-build] [--haproxy /usr/sbin/haproxy] [--only SUBSTR]
//
// Each DIR/*.cfg is rewritten the way a new user would to try it on this
// machine: binds and servers move to 127.0.0.1, certificates, CA files, error
// files, ACL/map files and Lua scripts the file names become small stand-ins,
// and process-management lines (user, group, chroot, daemon, pidfile) go. Host
// names that would be looked up (log targets, name servers, IP patterns) become
// 127.0.0.1, so that no DNS query leaves the machine. Both checkers then run
// with -c only: nothing listens and no traffic is sent.
// The rewritten files (and results.json) go to --out, a temp folder by default.
// Unless --entry or --no-build is given, src/proxy is compiled first (into
// node_modules/.cache), so the figure is that of the sources, not of a stale dist/.
import { execFileSync, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join, dirname, basename, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const flag = (name) => args.includes(`--${name}`);
const valued = new Set(['--out', '--entry', '--haproxy', '--only']);
const positional = args.filter((a, i) => !a.startsWith('--') && !valued.has(args[i - 1]));
if (positional.length !== 1) {
  process.stderr.write('usage: node bench/proxy/corpus-acceptance.mjs DIR [--out DIR2] [--json] [--entry main.js | --no-build] [--only SUBSTR]\n');
  process.exit(2);
}
const srcDir = resolve(positional[0]);
const outDir = resolve(opt('out', mkdtempSync(join(tmpdir(), 'corpus-acceptance-'))));
const HAPROXY = opt('haproxy', process.env.HAPROXY_BIN ?? '/usr/sbin/haproxy');
const only = opt('only', '');
const asJson = flag('json');
const TIMEOUT_MS = 20000;
mkdirSync(outDir, { recursive: true });
const aux = join(outDir, 'aux');
mkdirSync(aux, { recursive: true });

let entry = resolve(opt('entry', join(root, 'dist', 'src', 'proxy', 'main.js')));
if (!opt('entry') && !flag('no-build')) {
  // Inside node_modules so that the emitted modules resolve the project's dependencies.
  const buildDir = join(root, 'node_modules', '.cache', 'docklab-corpus-build');
  // tsc still emits when another part of the tree has type errors; only the emitted JS matters here.
  spawnSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', join(here, 'tsconfig.json'), '--outDir', buildDir], { stdio: 'ignore' });
  const built = join(buildDir, 'src', 'proxy', 'main.js');
  // A half-written module elsewhere in the tree can leave the build unloadable; then measure dist/.
  const probe = spawnSync(process.execPath, [built, '-c', '-f', '/dev/null'], { encoding: 'utf8', timeout: TIMEOUT_MS });
  if (/ERR_MODULE_NOT_FOUND|SyntaxError/.test(`${probe.stderr}`))
    process.stderr.write(`the fresh build does not load (${(probe.stderr.match(/Error[^\n]*/) ?? [''])[0].slice(0, 200)}); using ${entry}\n`);
  else entry = built;
}
if (!existsSync(entry)) {
  process.stderr.write(`no docklab proxy entry at ${entry}: run npm run build\n`);
  process.exit(2);
}

// ---------- stand-in files ----------
const certPem = join(aux, 'cert.pem'); // certificate + key, what `crt` wants
const caPem = join(aux, 'ca.pem'); // certificate alone, what `ca-file` wants
function makeCerts() {
  if (existsSync(certPem)) return;
  const key = join(aux, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '30',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      caPem,
    ],
    { stdio: 'ignore' },
  );
  writeFileSync(certPem, readFileSync(caPem, 'utf8') + readFileSync(key, 'utf8'));
}
makeCerts();
const crlPem = join(aux, 'crl.pem');
function makeCrl() {
  if (existsSync(crlPem)) return crlPem;
  const d = join(aux, 'ca-db');
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, 'index.txt'), '');
  writeFileSync(join(d, 'crlnumber'), '01\n');
  writeFileSync(join(d, 'ca.cnf'), `[ca]\ndefault_ca=c\n[c]\ndatabase=${d}/index.txt\ncrlnumber=${d}/crlnumber\ndefault_md=sha256\ndefault_crl_days=30\n`);
  execFileSync('openssl', ['ca', '-config', join(d, 'ca.cnf'), '-gencrl', '-keyfile', join(aux, 'key.pem'), '-cert', caPem, '-out', crlPem], {
    stdio: 'ignore',
  });
  return crlPem;
}
const dhPem = join(aux, 'dh.pem');
function makeDh() {
  if (!existsSync(dhPem))
    execFileSync('openssl', ['genpkey', '-genparam', '-algorithm', 'DH', '-pkeyopt', 'group:ffdhe2048', '-out', dhPem], { stdio: 'ignore' });
  return dhPem;
}
const crtList = join(aux, 'crt-list.txt');
writeFileSync(crtList, `${certPem}\n`);
const emptyFile = join(aux, 'empty.lst');
writeFileSync(emptyFile, '');
const mapFile = join(aux, 'one-line.map');
writeFileSync(mapFile, 'example.invalid stand-in\n');
const bodyFile = join(aux, 'body.txt');
writeFileSync(bodyFile, 'stand-in\n');
function errorFile(code) {
  const p = join(aux, `error-${code}.http`);
  if (!existsSync(p))
    writeFileSync(
      p,
      `HTTP/1.0 ${code} Stand-in\r\nCache-Control: no-cache\r\nConnection: close\r\nContent-Type: text/html\r\n\r\n<html><body>${code}</body></html>\n`,
    );
  return p;
}

// ---------- ports ----------
function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}
const usedPorts = new Set();
async function freshPort() {
  for (;;) {
    const p = await freePort();
    if (!usedPorts.has(p)) {
      usedPorts.add(p);
      return p;
    }
  }
}

// ---------- rewriting ----------
/** Splits a line into words, keeping quoted strings and `{ … }` braces as HAProxy's words. */
function words(line) {
  const out = [];
  let cur = '';
  let q = null;
  let had = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (q) {
      cur += c;
      if (c === q) q = null;
      continue;
    }
    if (c === '\\' && i + 1 < line.length) {
      cur += c + line[++i];
      had = true;
      continue;
    }
    if (c === '"' || c === "'") {
      q = c;
      cur += c;
      had = true;
      continue;
    }
    if (c === '#') break;
    if (c === ' ' || c === '\t') {
      if (had) {
        out.push(cur);
        cur = '';
        had = false;
      }
      continue;
    }
    cur += c;
    had = true;
  }
  if (had) out.push(cur);
  return out;
}
const unq = (w) => w.replace(/^["']|["']$/g, '');
const SERVER_PORT = await freshPort(); // nothing listens there: -c never connects

function serverAddr(addr) {
  const a = unq(addr);
  // Sockets and DNS SRV names (the port comes from the record) become a local address with a port.
  if (/^(unix@|abns@|\/|sockpair@|fd@|_)/.test(a)) return `127.0.0.1:${SERVER_PORT}`;
  const noProto = a.replace(/^[a-z0-9]+@/, '');
  // "host" alone (no port) means "same port as the client connected to"; keep that shape.
  const hasPort = /^\[.*\]:/.test(noProto) || (!noProto.startsWith('[') && (noProto.match(/:/g) ?? []).length === 1);
  return hasPort ? `127.0.0.1:${SERVER_PORT}` : '127.0.0.1';
}

const FILE_OPTS = {
  crt: () => certPem,
  'ca-file': () => caPem,
  'crl-file': () => makeCrl(),
  'crt-list': () => crtList,
  'ca-verify-file': () => caPem,
  'ca-sign-file': () => certPem,
};
function rewriteOptions(ws, from) {
  const out = ws.slice(0, from);
  for (let i = from; i < ws.length; i++) {
    const w = ws[i];
    if (FILE_OPTS[w] && i + 1 < ws.length) {
      out.push(w, FILE_OPTS[w]());
      i++;
      continue;
    }
    if ((w === 'user' || w === 'group' || w === 'uid' || w === 'gid') && i + 1 < ws.length) {
      i++;
      continue;
    }
    if ((w === 'addr' || w === 'source') && i + 1 < ws.length) {
      out.push(w, '127.0.0.1');
      i++;
      continue;
    }
    out.push(w);
  }
  return out;
}

/** Rewrites ACL `-f FILE` and map/ACL file names of converters and actions wherever they appear in a line. */
function rewriteFileRefs(ws) {
  const standIn = (fn) => (fn.startsWith('map') || fn === 'set-map' ? mapFile : emptyFile);
  const out = [];
  for (let i = 0; i < ws.length; i++) {
    const w = ws[i];
    if (w === '-f' && i + 1 < ws.length) {
      out.push(w, emptyFile);
      i++;
      continue;
    }
    out.push(
      w.replace(/\b(map(?:_[a-z]+)*|set-map|del-map|add-acl|del-acl)\(([^,)]+)/g, (_, fn, file) =>
        /^["']/.test(file) ? `${fn}("${standIn(fn)}"` : `${fn}(${standIn(fn)}`,
      ),
    );
  }
  return out;
}

const RULE_LISTS = /^(http|tcp)-(request|response)$/;
/** What a `lua.NAME` word is, from where it stands: a rule action, a service, a converter or a fetch. */
function luaKind(ws, i) {
  const w = ws[i];
  if (ws[i - 1] === 'use-service') return 'service';
  const actionAt = RULE_LISTS.test(ws[0]) && /^(content|connection|session)$/.test(ws[1] ?? '') ? 2 : 1;
  if (RULE_LISTS.test(ws[0]) && i === actionAt && w.startsWith('lua.')) return 'action';
  if (/,lua\./.test(w)) return 'converter';
  return 'fetch';
}

/** Lua stand-in registering every lua.NAME action/service/fetch/converter the config uses. */
function luaStandIn(text) {
  const names = new Map();
  for (const line of text.split('\n')) {
    const ws = words(line);
    ws.forEach((w, i) => {
      for (const m of w.matchAll(/lua\.([A-Za-z0-9_-]+)/g)) {
        if (names.has(m[1])) continue;
        const kind = luaKind(ws, i);
        let nargs = 0;
        if (kind === 'action') for (let j = i + 1; j < ws.length && ws[j] !== 'if' && ws[j] !== 'unless'; j++) nargs++;
        names.set(m[1], { kind, nargs });
      }
    });
  }
  let lua = '';
  for (const [n, { kind, nargs }] of names) {
    if (kind === 'action') lua += `core.register_action("${n}", {"http-req","http-res","tcp-req","tcp-res"}, function(txn) end, ${nargs})\n`;
    else if (kind === 'service') lua += `core.register_service("${n}", "http", function(applet) applet:set_status(200) applet:start_response() end)\n`;
    else if (kind === 'converter') lua += `core.register_converters("${n}", function(s) return s end)\n`;
    else lua += `core.register_fetches("${n}", function(txn) return "" end)\n`;
  }
  return lua;
}

async function rewrite(text, name) {
  const luaFile = join(aux, `${name}.lua`);
  let luaWritten = false;
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const out = [];
  let section = '';
  for (const raw of lines) {
    const ws = words(raw);
    if (ws.length === 0) {
      out.push(raw);
      continue;
    }
    const indent = raw.match(/^\s*/)[0] || '    ';
    const kw = ws[0];
    if (/^(global|defaults|frontend|backend|listen|peers|resolvers|userlist|mailers|cache|http-errors|program|ring|fcgi-app|crt-store)$/.test(kw)) {
      section = kw;
      // Old style `frontend NAME ADDR:PORT` / `listen NAME ADDR:PORT`: the address is a bind.
      if ((kw === 'frontend' || kw === 'listen') && ws.length >= 3 && /:/.test(ws[2])) {
        out.push([kw, ws[1], `127.0.0.1:${await freshPort()}`, ...ws.slice(3)].join(' '));
        continue;
      }
      out.push(raw);
      continue;
    }
    const emit = (w2) => out.push(indent + w2.join(' '));
    if (section === 'global' && /^(user|group|uid|gid|chroot|daemon|pidfile)$/.test(kw)) {
      out.push(`${indent}# (removed for the local check) ${raw.trim()}`);
      continue;
    }
    if (section === 'global' && kw === 'stats' && ws[1] === 'socket') {
      const sock = join(aux, `${name}-${out.length}.sock`);
      emit(rewriteOptions(['stats', 'socket', sock, ...ws.slice(3)], 3));
      continue;
    }
    if (section === 'global' && /^(lua-load|lua-load-per-thread)$/.test(kw)) {
      if (!luaWritten) {
        writeFileSync(luaFile, luaStandIn(text));
        luaWritten = true;
      }
      emit([kw, luaFile, ...ws.slice(2)]);
      continue;
    }
    if (section === 'global' && kw === 'lua-prepend-path') {
      emit([kw, join(aux, '?.lua'), ...ws.slice(2)]);
      continue;
    }
    if (section === 'global' && (kw === 'ca-base' || kw === 'crt-base')) {
      emit([kw, aux]);
      continue;
    }
    if (section === 'global' && kw === 'ssl-dh-param-file') {
      emit([kw, makeDh()]);
      continue;
    }
    if (section === 'global' && (kw === 'server-state-file' || kw === 'server-state-base')) {
      emit([kw, join(aux, kw === 'server-state-base' ? '' : 'state')]);
      continue;
    }
    if (kw === 'bind' && ws.length >= 2) {
      emit(rewriteOptions(rewriteFileRefs(['bind', `127.0.0.1:${await freshPort()}`, ...ws.slice(2)]), 2));
      continue;
    }
    if (kw === 'server' && ws.length >= 3) {
      emit(rewriteOptions(['server', ws[1], serverAddr(ws[2]), ...ws.slice(3)], 3));
      continue;
    }
    if (kw === 'server-template' && ws.length >= 4) {
      emit(rewriteOptions(['server-template', ws[1], ws[2], serverAddr(ws[3]), ...ws.slice(4)], 4));
      continue;
    }
    if (kw === 'default-server') {
      emit(rewriteOptions(ws, 1));
      continue;
    }
    if (kw === 'peer' && ws.length >= 3) {
      emit(['peer', ws[1], `127.0.0.1:${await freshPort()}`, ...ws.slice(3)]);
      continue;
    }
    if ((kw === 'dispatch' || kw === 'source') && ws.length >= 2 && section !== 'global') {
      emit([kw, kw === 'dispatch' ? `127.0.0.1:${SERVER_PORT}` : '127.0.0.1', ...ws.slice(2)]);
      continue;
    }
    // Log targets stay, except container host names that cannot resolve here (HAProxy refuses those).
    if (kw === 'log' && ws.length >= 3 && /^[A-Za-z][A-Za-z0-9_.-]*(:\d+)?$/.test(ws[1]) && !/^(global|stdout|stderr|localhost)(:|$)/.test(ws[1])) {
      const port = ws[1].match(/:\d+$/)?.[0] ?? '';
      emit(['log', `127.0.0.1${port}`, ...ws.slice(2)]);
      continue;
    }
    // Name servers stay too, except container host names (same reason as log targets).
    if (kw === 'nameserver' && section === 'resolvers' && ws.length >= 3 && /^[A-Za-z][A-Za-z0-9_.-]*(:\d+)?$/.test(ws[2]) && !/^localhost(:|$)/.test(ws[2])) {
      const port = ws[2].match(/:\d+$/)?.[0] ?? '';
      emit(['nameserver', ws[1], `127.0.0.1${port}`, ...ws.slice(3)]);
      continue;
    }
    if (kw === 'errorfile' && ws.length >= 3) {
      emit(['errorfile', ws[1], errorFile(unq(ws[1])), ...ws.slice(3)]);
      continue;
    }
    // Host names among IP patterns would be looked up (DNS leaves the machine): loopback instead.
    if (kw === 'acl' && /^(src|dst|req\.hdr_ip\(.*\)|hdr_ip\(.*\))$/.test(ws[2] ?? '')) {
      const pats = ws.slice(3).map((w) => (/^[A-Za-z][A-Za-z0-9_.-]*$/.test(w) && !w.startsWith('-') ? '127.0.0.1' : w));
      if (pats.join(' ') !== ws.slice(3).join(' ')) {
        emit(['acl', ws[1], ws[2], ...pats]);
        continue;
      }
    }
    let w2 = rewriteFileRefs(ws);
    // `return … file X` / `lf-file X` / `errorfile X` inside http-request/response actions
    w2 = w2.map((w, i) =>
      i > 0 && (w2[i - 1] === 'file' || w2[i - 1] === 'lf-file') && /^(http|tcp)-(request|response)$|^http-error$/.test(kw)
        ? bodyFile
        : i > 0 && w2[i - 1] === 'errorfile' && /^(http|tcp)-(request|response)$|^http-error$/.test(kw)
          ? errorFile(200)
          : w,
    );
    if (w2.join(' ') === ws.join(' ')) out.push(raw);
    else emit(w2);
  }
  return out.join('\n') + '\n';
}

// ---------- running ----------
function run(cmd, argv) {
  const r = spawnSync(cmd, argv, { encoding: 'utf8', timeout: TIMEOUT_MS, env: { ...process.env, NODE_NO_WARNINGS: '1' } });
  return { code: r.status ?? (r.signal ? 124 : 1), out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

const ACTION_KWS =
  /^(http-request|http-response|http-after-response|tcp-request|tcp-response|option|no|timeout|stats|http-check|tcp-check|compression|balance|cookie|hash-type|log|capture|filter|stick|unique-id-format|http-error|tune\.[a-z.-]+)$/;
/** The keyword a refused line is about: directive plus its sub-keyword (option X, http-request ACTION …). */
function lineKeyword(line) {
  const ws = words(line ?? '');
  if (ws.length === 0) return '?';
  let k = ws[0];
  if (k === 'no' && ws[1] === 'option') return `no option ${ws[2] ?? ''}`.trim();
  if ((k === 'tcp-request' || k === 'tcp-response') && ws[1] && /^(content|connection|session|inspect-delay)$/.test(ws[1]))
    return `${k} ${ws[1]}${ws[2] && ws[1] !== 'inspect-delay' ? ' ' + ws[2].replace(/\(.*$/, '') : ''}`;
  if (ACTION_KWS.test(k) && ws[1]) return `${k} ${ws[1].replace(/\(.*$/, '')}`;
  if (k === 'bind' || k === 'server' || k === 'default-server' || k === 'server-template') return k;
  return k;
}
/** The first quoted name in the message: usually the precise unsupported word (a fetch, an option). */
function messageWord(msg) {
  const m = msg.match(/'([^']+)'/);
  return m ? m[1].replace(/\(.*$/, '').replace(/^http-request |^http-response /, '') : '';
}

const MAX_REFUSALS = 15;
function refusal(out, text) {
  const errLine = out.split('\n').find((l) => l.startsWith('docklab proxy:')) ?? out.split('\n')[0];
  const m = errLine.match(/:(\d+):/);
  const line = m ? Number(m[1]) : undefined;
  const lines = text.split('\n');
  const lineText = line ? lines[line - 1]?.trim().replace(/^# \(refused\) /, '') : undefined;
  const keyword = line ? lineKeyword(lineText) : /internal error/.test(errLine) ? 'internal error' : '?';
  return { docklabError: errLine.replace(/\/[^ :]*\//, ''), line, lineText, keyword, detail: messageWord(errLine) };
}
const keyOf = (x) => {
  const redundant = !x.detail || (x.lineText ?? '').replace(/\s+/g, ' ').startsWith(x.detail) || (x.keyword ?? '').includes(x.detail);
  return redundant ? (x.keyword ?? '?') : `${x.keyword} [${x.detail}]`;
};

const files = readdirSync(srcDir)
  .filter((f) => f.endsWith('.cfg') && f.includes(only))
  .sort();
const results = [];
for (const f of files) {
  const name = basename(f, '.cfg');
  const text = readFileSync(join(srcDir, f), 'utf8');
  const rewritten = await rewrite(text, name);
  const file = join(outDir, f);
  writeFileSync(file, rewritten);
  // -W as the official image runs it (haproxy -W -db): `program` sections need master-worker mode.
  const ha = run(HAPROXY, ['-W', '-c', '-f', file]);
  // A file without any listener is valid but "will not start": exit 2 with that message.
  const haOk = ha.code === 0 || /has no error but will not start/.test(ha.out);
  const dl = run(process.execPath, [entry, '-c', '-f', file]);
  const dlOk = dl.code === 0;
  const r = { file: f, haproxyOk: haOk, docklabOk: dlOk };
  if (!haOk)
    r.haproxyError =
      ha.out
        .split('\n')
        .filter((l) => /ALERT|\[ALERT\]/.test(l))
        .slice(0, 3)
        .join('\n') || ha.out.slice(0, 400);
  if (!dlOk) {
    Object.assign(r, refusal(dl.out, rewritten));
    // Every refusal, not only the first: comment the refused line out and check again.
    r.refusals = [refusal(dl.out, rewritten)];
    if (haOk) {
      const lines = rewritten.split('\n');
      const probeFile = join(outDir, 'later-refusals', f);
      mkdirSync(dirname(probeFile), { recursive: true });
      for (let i = 0, cur = r; i < MAX_REFUSALS && cur.line; i++) {
        lines[cur.line - 1] = `# (refused) ${lines[cur.line - 1]}`;
        writeFileSync(probeFile, lines.join('\n'));
        const again = run(process.execPath, [entry, '-c', '-f', probeFile]);
        if (again.code === 0) break;
        cur = refusal(again.out, lines.join('\n'));
        if (r.refusals.some((x) => x.line === cur.line)) break;
        // A name left undefined by an earlier commented-out line is not a keyword of its own.
        if (/DOCKLAB_CONFIG_REFERENCE/.test(cur.docklabError)) cur.followOn = true;
        r.refusals.push(cur);
      }
    }
  }
  // What docklab accepts but ignores: the same message across files, without file and line.
  r.warnings = [
    ...new Set(
      dl.out
        .split('\n')
        .filter((l) => /warning:/.test(l))
        .map((l) => l.replace(/^.*?warning:\s*/, '')),
    ),
  ];
  results.push(r);
  if (!asJson) process.stderr.write(`${haOk ? 'H' : 'h'}${dlOk ? 'D' : 'd'} ${f}${!dlOk && haOk ? '  <- ' + r.docklabError : ''}\n`);
}

const valid = results.filter((r) => r.haproxyOk);
const accepted = valid.filter((r) => r.docklabOk);
function group(list) {
  const groups = new Map();
  for (const [file, x] of list) {
    const key = keyOf(x);
    const g = groups.get(key) ?? { keyword: key, count: 0, example: x.lineText ?? x.docklabError, message: x.docklabError, files: [] };
    if (!g.files.includes(file)) {
      g.count++;
      g.files.push(file);
    }
    groups.set(key, g);
  }
  return [...groups.values()].sort((a, b) => b.count - a.count || a.keyword.localeCompare(b.keyword));
}
const refusedValid = valid.filter((x) => !x.docklabOk);
const byKeyword = group(refusedValid.map((r) => [r.file, r]));
const anyKeyword = group(refusedValid.flatMap((r) => (r.refusals ?? []).filter((x) => !x.followOn).map((x) => [r.file, x])));
const onlyOne = refusedValid.filter((r) => (r.refusals ?? []).filter((x) => !x.followOn).length === 1).length;
const pct = valid.length ? (100 * accepted.length) / valid.length : 0;
const warningCounts = new Map();
for (const r of accepted) for (const w of r.warnings) warningCounts.set(w, (warningCounts.get(w) ?? 0) + 1);
const topWarnings = [...warningCounts].sort((a, b) => b[1] - a[1]).map(([message, count]) => ({ message, count }));
const summary = {
  when: new Date().toISOString(),
  total: results.length,
  haproxyValid: valid.length,
  docklabAccepted: accepted.length,
  percent: Number(pct.toFixed(1)),
  refusedForOneLineOnly: onlyOne,
  anyRefusalByKeyword: anyKeyword,
  docklabAcceptedButHaproxyRefused: results.filter((r) => !r.haproxyOk && r.docklabOk).map((r) => r.file),
  refusedByKeyword: byKeyword,
  warningsOfAccepted: topWarnings,
  haproxyRefused: results.filter((r) => !r.haproxyOk).map((r) => ({ file: r.file, error: r.haproxyError })),
  results,
};
writeFileSync(join(outDir, 'results.json'), JSON.stringify(summary, null, 2));
if (asJson) {
  process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
  process.exit(0);
}

const p = (s) => process.stdout.write(s + '\n');
p(`configs: ${results.length}   HAProxy-valid: ${valid.length}   docklab-accepted of those: ${accepted.length} (${pct.toFixed(1)}%)`);
if (summary.docklabAcceptedButHaproxyRefused.length) p(`docklab accepted but HAProxy refused: ${summary.docklabAcceptedButHaproxyRefused.length}`);
p('');
p('first refusing line per HAProxy-valid config, by keyword:');
p('count  keyword                                            example');
for (const g of byKeyword) p(`${String(g.count).padStart(5)}  ${g.keyword.padEnd(50)} ${String(g.example).slice(0, 90)}`);
p('');
p(`every refusing line (each refused line commented out in turn, up to ${MAX_REFUSALS} per config): configs needing each keyword`);
p(`(${onlyOne} of the ${refusedValid.length} refused configs have a single refused line)`);
for (const g of anyKeyword) p(`${String(g.count).padStart(5)}  ${g.keyword.padEnd(50)} ${String(g.example).slice(0, 90)}`);
p('');
p('most frequent docklab warnings among the accepted configs (accepted but ignored or changed):');
for (const w of topWarnings.slice(0, 15)) p(`${String(w.count).padStart(5)}  ${w.message.slice(0, 140)}`);
p('');
p(`HAProxy refused ${results.length - valid.length}: see ${join(outDir, 'results.json')} (haproxyRefused)`);
p(`rewritten configs: ${outDir}`);
