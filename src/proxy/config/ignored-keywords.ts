/**
 * HAProxy keywords that docklab accepts with a warning because they change
 * neither routing nor security (process management, tuning, logging targets).
 * Anything not supported and not listed here is an error.
 */
export const IGNORED_GLOBAL = new Set([
  'maxpipes',
  'daemon', 'master-worker', 'user', 'group', 'uid', 'gid', 'chroot', 'pidfile', 'stats', 'ca-base',
  'ssl-default-bind-ciphers', 'ssl-default-bind-ciphersuites', 'ssl-default-bind-options',
  'ssl-default-server-ciphers', 'ssl-default-server-ciphersuites', 'ssl-default-server-options',
  'hard-stop-after', 'spread-checks', 'cpu-map', 'description', 'node', 'localpeer', 'h1-case-adjust',
  'log-send-hostname', 'log-tag', 'ulimit-n', 'quiet', 'nosplice', 'noepoll', 'busy-polling',
  'ssl-server-verify', 'insecure-fork-wanted', 'set-dumpable', 'expose-experimental-directives',
]);

export const IGNORED_PROXY = new Set([
  'description', 'fullconn', 'errorfile', 'errorfiles', 'compression', 'capture', 'unique-id-format',
  'unique-id-header', 'log-format', 'log-tag', 'monitor-uri', 'id', 'disabled', 'enabled',
  'email-alert', 'load-server-state-from-file', 'http-error', 'grace', 'rate-limit', 'declare',
  'hash-balance-factor',
]);

export const IGNORED_OPTIONS = new Set([
  'log-health-checks', 'abortonclose',
  'http-buffer-request', 'splice-auto', 'splice-request', 'splice-response', 'contstats', 'log-separate-errors',
  'logasap', 'http-no-delay', 'http-pretend-keepalive', 'socket-stats', 'tcpka', 'clitcpka', 'srvtcpka',
  'dontlog-normal', 'checkcache', 'nolinger', 'independent-streams', 'http-ignore-probes', 'prefer-last-server',
]);

export const IGNORED_SERVER_OPTIONS = new Set([
  'resolvers', 'init-addr', 'resolve-prefer', 'id', 'maxqueue', 'slowstart', 'observe', 'on-error',
  'on-marked-down', 'on-marked-up', 'error-limit', 'minconn', 'enabled', 'agent-inter', 'pool-max-conn',
  'pool-purge-delay', 'pool-low-conn', 'tfo', 'log-proto', 'check-send-proxy',
]);

/** Server options that take one value after them. */
export const SERVER_OPTIONS_WITH_VALUE = new Set([
  'inter', 'fastinter', 'downinter', 'rise', 'fall', 'weight', 'maxconn', 'cookie', 'port', 'resolvers',
  'init-addr', 'resolve-prefer', 'id', 'maxqueue', 'slowstart', 'observe', 'on-error', 'on-marked-down',
  'on-marked-up', 'error-limit', 'minconn', 'agent-inter', 'pool-max-conn', 'pool-purge-delay', 'pool-low-conn',
  'log-proto',
]);
