/** Asking for passwords in shell commands: new ones twice on a terminal, one line in scripts. */

import { writeStderr } from "../../cli/prompt.ts";
import { MIN_PASSWORD_LENGTH } from "../../protocol/limits.ts";
import type { Prompter } from "../prompter.ts";

const TTY_ATTEMPTS = 3;

/** A new password: asked twice on a terminal until both match; in scripts, the next stdin line. */
export async function askNewPassword(prompter: Prompter, label = "New password"): Promise<string> {
  if (!prompter.onTerminal) return requireLine(await prompter.secret(""), "the new password");
  for (let attempt = 0; attempt < TTY_ATTEMPTS; attempt++) {
    const first = await prompter.secret(`${label}: `);
    if (first === null) break;
    if ([...first].length < MIN_PASSWORD_LENGTH) {
      await writeStderr(`Password too short: use at least ${MIN_PASSWORD_LENGTH} characters\n`);
      continue;
    }
    if (await prompter.secret("Repeat password: ") === first) return first;
    await writeStderr("Passwords do not match\n");
  }
  throw new Error("No password set");
}

/** The current password: asked once on a terminal; in scripts, the next stdin line. */
export async function askCurrentPassword(prompter: Prompter): Promise<string> {
  const answer = await prompter.secret("Current password: ");
  if (prompter.onTerminal) {
    if (answer === null) throw new Error("No password given");
    return answer;
  }
  return requireLine(answer, "the current password");
}

function requireLine(line: string | null, what: string): string {
  if (line === null || line === "") {
    throw new Error(`No terminal to ask on: put ${what} on the next line of standard input`);
  }
  return line;
}
