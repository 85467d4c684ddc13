/** Errors every subcommand may throw; `main.ts` turns them into messages and exit codes. */

/** The command line was wrong: printed with a hint, exit status 2. */
export class UsageError extends Error {
  /** Creates a usage error with a one-line description of what is wrong. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** A failure already explained to the user; exits with `exitCode` and prints nothing more. */
export class ExitError extends Error {
  /** Process exit status to use. */
  readonly exitCode: number;

  /** Creates an exit request carrying a status. */
  constructor(exitCode: number, message = `Exit ${exitCode}`) {
    super(message);
    this.name = "ExitError";
    this.exitCode = exitCode;
  }
}
