// The check model lives in the lab-kit; this path stays for code written before it.
export { CheckFailure, DEFAULT_CHECK_TIMEOUT_MS, dependencyIds, fail, pass, passWith } from '../lab-kit/check.js';
export type { Check, CheckDefinition, CheckOutcome, CheckResult, CheckStatus } from '../lab-kit/check.js';
