/**
 * `!COMMAND`: runs a command line through the local `sh`, as sftp and lftp
 * do. It needs Deno's run permission, which neither the compiled binary nor
 * the `ftpx` task grants (a program that may run `sh` may do anything), so
 * it is off unless ftpx was started with `--allow-run=sh`; in scripts it
 * also needs `connect --allow-local-shell`.
 */

import type { ShellContext } from "./commands/command.ts";

/** True when this process may run the local shell. */
export function localShellPermitted(): boolean {
  return Deno.permissions.querySync({ name: "run", command: "sh" }).state === "granted";
}

/**
 * Runs `command` with `sh -c`, on the terminal in the interactive shell
 * (standard input included), with no standard input in scripts (it is the
 * script). Throws unless it exits with status 0.
 */
export async function runLocalShell(
  ctx: ShellContext,
  command: string,
  terminal: { pause(): void; resume(): void } | undefined,
): Promise<void> {
  if (!ctx.localShell) {
    throw new Error(
      '"!" runs local commands only on a terminal: in scripts add --allow-local-shell',
    );
  }
  if (!localShellPermitted()) {
    throw new Error(
      '"!" is unavailable: this ftpx may not run local programs ' +
        "(start it with deno run --allow-run=sh ... main.ts connect to allow it)",
    );
  }
  if (command.trim() === "") throw new Error('Nothing to run: type "!COMMAND", e.g. !ls -l');
  terminal?.pause();
  if (terminal) Deno.stdin.setRaw(false);
  // With the terminal cooked, Ctrl-C signals ftpx too: it is the command's to handle, not ours.
  const ignore = () => {};
  if (terminal) Deno.addSignalListener("SIGINT", ignore);
  try {
    const child = new Deno.Command("sh", {
      args: ["-c", command],
      stdin: terminal ? "inherit" : "null",
      stdout: "inherit",
      stderr: "inherit",
    }).spawn();
    const status = await child.status;
    if (!status.success) {
      const how = status.signal
        ? `was killed by ${status.signal}`
        : `exited with status ${status.code}`;
      throw new Error(`Local command ${how}`);
    }
  } finally {
    if (terminal) {
      Deno.removeSignalListener("SIGINT", ignore);
      Deno.stdin.setRaw(true);
      terminal.resume();
    }
  }
}
