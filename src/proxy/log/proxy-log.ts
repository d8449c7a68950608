import type { ProxySection } from '../config/model.js';
import type { SampleSource } from '../acl/sample-source.js';
import { requestCaptureCount } from '../rules/actions/capture-slots.js';
import { formatHttpLog, type HttpLogRecord } from './http-log-line.js';
import { CustomLogFormat, HTTPLOG_FORMAT } from './custom-log-format.js';
import { uniqueIdOf } from './unique-id.js';

let httplogFormat: CustomLogFormat | undefined;

function slots(declared: readonly number[], filled: readonly (string | undefined)[] | undefined): (string | undefined)[] | undefined {
  if (declared.length === 0) return undefined;
  return declared.map((_len, i) => filled?.[i]);
}

/** Whether the frontend logs requests: `option httplog` or a `log-format` of its own (and `log` enabled). */
export function frontendLogs(fe: ProxySection, httplog: boolean): boolean {
  return (httplog || fe.settings.logFormat !== undefined) && fe.settings.logEnabled;
}

/**
 * One log line for a finished request: the frontend's `log-format` when it
 * has one, else HAProxy's httplog line (with `%hr`/`%hs` captures when the
 * frontend declares any).
 */
export function formatProxyLog(fe: ProxySection, record: HttpLogRecord, src?: SampleSource): string {
  const req = slots(requestCaptureCount(fe, 'request'), src?.txn?.capturesIfAny('request'));
  const res = slots(requestCaptureCount(fe, 'response'), src?.txn?.capturesIfAny('response'));
  const custom = fe.settings.logFormat;
  if (!custom && !req && !res) return formatHttpLog(record);
  const fmt = custom ?? (httplogFormat ??= CustomLogFormat.compile(HTTPLOG_FORMAT, { file: '<httplog>', line: 0 }));
  const uniqueId = src ? uniqueIdOf(fe, src) : undefined;
  return fmt.render({
    record,
    ...(src ? { src } : {}),
    ...(req ? { reqCaptures: req } : {}),
    ...(res ? { resCaptures: res } : {}),
    ...(uniqueId !== undefined ? { uniqueId } : {}),
  });
}
