/**
 * One bench run's safety net: undo steps run once, last first, at the end, on an
 * error, on SIGINT/SIGTERM or when the watchdog fires, so a bench never leaves
 * servers running, tmpfs mounted or users unlocked.
 */
export class RunGuard {
  readonly #undo: (() => Promise<void>)[] = [];
  #cleaning: Promise<void> | undefined;
  /** Set by a signal or the watchdog: the exit code wins over main's failure (which it causes). */
  #stopping: number | undefined;
  readonly #watchdog: ReturnType<typeof setTimeout>;

  constructor(timeoutMinutes: number) {
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      Deno.addSignalListener(signal, () => this.#stopAll(130, signal));
    }
    this.#watchdog = setTimeout(
      () => this.#stopAll(1, `error: still running after ${timeoutMinutes} minutes`),
      timeoutMinutes * 60_000,
    );
  }

  /** Adds a step to undo at the end (steps run in reverse order of adding). */
  onCleanUp(step: () => Promise<void>): void {
    this.#undo.push(step);
  }

  /** Runs `main`, then every undo step, and exits with the right status. */
  async run(main: () => Promise<void>): Promise<never> {
    let status = 0;
    try {
      await main();
    } catch (error) {
      if (this.#stopping === undefined) console.error(`error: ${(error as Error).message}`);
      status = 1;
    } finally {
      await this.#cleanUp();
      clearTimeout(this.#watchdog);
    }
    Deno.exit(this.#stopping ?? status);
  }

  /** Runs the undo steps once; every caller (end, error, signal, watchdog) waits for the same run. */
  #cleanUp(): Promise<void> {
    this.#cleaning ??= (async () => {
      for (const step of this.#undo.reverse()) {
        await step().catch((error) => console.error(`cleanup: ${error.message}`));
      }
    })();
    return this.#cleaning;
  }

  #stopAll(code: number, why: string): void {
    if (this.#stopping !== undefined) return;
    this.#stopping = code;
    console.error(`\n${why}: stopping everything`);
    this.#cleanUp().finally(() => Deno.exit(code));
  }
}
