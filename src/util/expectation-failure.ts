/**
 * Evidence that is not what was expected, said in the learner's terms:
 * what was expected, what was found, a hint and supporting lines. Lower
 * layers (a compose file that does not read) throw it; the lab-kit knows it
 * as CheckFailure, which ends the check in progress as a failure.
 */
export class ExpectationFailure extends Error {
  constructor(
    readonly expected: string,
    readonly found: string,
    readonly hint: string,
    readonly details: string[] = [],
  ) {
    super(`expected ${expected}, found ${found}`);
    this.name = 'CheckFailure';
  }
}
