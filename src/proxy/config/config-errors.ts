import { DocklabError, type ErrorCode } from '../../errors.js';
import { where } from './config-line.js';

type ConfigCode = Extract<ErrorCode, 'DOCKLAB_CONFIG_SYNTAX' | 'DOCKLAB_CONFIG_UNSUPPORTED' | 'DOCKLAB_CONFIG_REFERENCE' | 'DOCKLAB_CERT_INVALID'>;

/** Builds the one-line message users see: `file:line: what is wrong; what to do`. */
export function configError(code: ConfigCode, at: { file: string; line: number }, message: string): DocklabError {
  return new DocklabError(code, `${where(at)}: ${message}`);
}

export const syntaxError = (at: { file: string; line: number }, message: string) => configError('DOCKLAB_CONFIG_SYNTAX', at, message);
export const unsupportedError = (at: { file: string; line: number }, message: string) => configError('DOCKLAB_CONFIG_UNSUPPORTED', at, message);
export const referenceError = (at: { file: string; line: number }, message: string) => configError('DOCKLAB_CONFIG_REFERENCE', at, message);
