/** A construct was given props keyplan cannot use; thrown at the `new …(…)` in the user's program. */
export class KeyPlanConstructError extends Error {
  /**
   * @param caller the construct's constructor (`new.target`): the stack trace starts at the line that called
   *   it, the user's `new ApiKey(…)`, not inside keyplan.
   */
  constructor(message: string, caller?: abstract new (...args: never[]) => unknown) {
    super(message);
    this.name = 'KeyPlanConstructError';
    if (caller) Error.captureStackTrace(this, caller);
  }
}

/** The whole tree broke rules checked at synth (duplicate names, unknown providers, policy); each line names a construct path. */
export class KeyPlanSynthError extends Error {
  declare readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`keyplan: ${problems.length} problem${problems.length === 1 ? '' : 's'} in the key plan:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'KeyPlanSynthError';
    // Not enumerable: an uncaught error prints the problems once (in the message), not twice.
    Object.defineProperty(this, 'problems', { value: problems, enumerable: false });
  }
}
