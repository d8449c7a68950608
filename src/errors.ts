/**
 * Every error docklab reports to a user is a DocklabError with a stable code.
 * The table below is the single source of truth: the README lists the same
 * codes and a unit test holds the two against each other.
 *
 * Exit codes: 1 = a check failed (not an error), 2 = usage, input or engine
 * error, 3 = an internal bug.
 */
export const ERROR_CODES = {
  DOCKLAB_USAGE: { exit: 2, summary: 'an unknown command, flag or argument' },
  DOCKLAB_ENGINE_UNREACHABLE: { exit: 2, summary: 'no Docker engine answered where docklab looked' },
  DOCKLAB_ENGINE_TOO_OLD: { exit: 2, summary: "the engine's API version is older than docklab needs" },
  DOCKLAB_SETUP_UNSUPPORTED: { exit: 2, summary: 'automatic set-up needs root on Debian or Ubuntu' },
  DOCKLAB_SETUP_FAILED: { exit: 2, summary: 'installing or starting the engine failed' },
  DOCKLAB_MIRROR_UNREACHABLE: { exit: 2, summary: 'the Debian package mirror did not answer' },
  DOCKLAB_IMAGE_UNAVAILABLE: { exit: 2, summary: 'an image is neither present, pullable nor buildable here' },
  DOCKLAB_IMAGE_BUILD_FAILED: { exit: 2, summary: 'an image build failed' },
  DOCKLAB_DISK_FULL: { exit: 2, summary: 'the disk filled up during a build' },
  DOCKLAB_LAB_UNKNOWN: { exit: 2, summary: 'no lab has that id' },
  DOCKLAB_LAB_INVALID: { exit: 2, summary: 'a lab folder is not laid out as the lab format says' },
  DOCKLAB_SOLUTION_INCOMPLETE: { exit: 2, summary: "the learner's folder lacks files the lab needs" },
  DOCKLAB_PORT_IN_USE: { exit: 2, summary: 'a host port the lab prescribes is already taken' },
  DOCKLAB_DIR_NOT_EMPTY: { exit: 2, summary: 'init would overwrite existing files' },
  DOCKLAB_FILE_MISSING: { exit: 2, summary: 'a file named on the command line does not exist' },
  DOCKLAB_CONFIG_SYNTAX: { exit: 2, summary: 'a configuration file has a syntax error (with its line number)' },
  DOCKLAB_CONFIG_UNSUPPORTED: { exit: 2, summary: 'a configuration keyword that would change routing or security is not supported' },
  DOCKLAB_CONFIG_REFERENCE: { exit: 2, summary: 'a configuration names something that does not exist' },
  DOCKLAB_CERT_INVALID: { exit: 2, summary: 'a certificate file is missing or is not a certificate' },
  DOCKLAB_COMPOSE_MISSING: { exit: 2, summary: 'neither `docker compose` nor `docker-compose` is installed' },
  DOCKLAB_TIMEOUT: { exit: 2, summary: 'an operation took longer than its time limit' },
  DOCKLAB_RESULTS_INVALID: { exit: 2, summary: 'a file given to `docklab report` is not a results document that `verify --json` writes' },
  DOCKLAB_SWARM_UNAVAILABLE: { exit: 2, summary: 'the engine is not a Swarm manager, or the swarm cannot run what docklab asks' },
  DOCKLAB_SWARM_CONFIG_TOO_LARGE: { exit: 2, summary: "a learner's folder is too big to travel to the swarm as a config" },
  DOCKLAB_INTERNAL: { exit: 3, summary: 'a bug in docklab' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class DocklabError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: number;
  /** Extra lines shown under the one-line message (log tails, candidates). */
  readonly details: string[];

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; details?: string[] } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DocklabError';
    this.code = code;
    this.exitCode = ERROR_CODES[code].exit;
    this.details = options.details ?? [];
  }
}

export function isDocklabError(error: unknown): error is DocklabError {
  return error instanceof DocklabError;
}
