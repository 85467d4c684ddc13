/**
 * How shell commands ask the person at the keyboard: secrets without echo
 * and yes/no questions on a terminal; in scripts, secrets are the next lines
 * of standard input and questions are answered "no" (commands then want an
 * explicit flag such as --yes).
 */

import type { Interface as ReadlineInterface } from "node:readline";
import { stdinLineReader } from "../cli/line_reader.ts";
import { ExitError } from "../cli/errors.ts";
import { canPrompt, confirm, promptSecret } from "../cli/prompt.ts";

/** Where answers come from. */
export interface Prompter {
  /** True when a person answers on a terminal; false when answers are lines of standard input. */
  readonly onTerminal: boolean;
  /** A secret: typed without echo, or the next line of standard input; null when there is none. */
  secret(prompt: string): Promise<string | null>;
  /** A yes/no question; always false without a terminal. */
  confirm(question: string): Promise<boolean>;
}

/** The terminal when there is one (and no line editor owns it), else standard input lines. */
export function defaultPrompter(): Prompter {
  return canPrompt() ? terminalPrompter() : scriptPrompter();
}

function terminalPrompter(): Prompter {
  return { onTerminal: true, secret: promptSecret, confirm };
}

function scriptPrompter(): Prompter {
  return {
    onTerminal: false,
    secret: () => stdinLineReader().next(),
    confirm: () => Promise.resolve(false),
  };
}

/** A {@linkcode Prompter} on a line editor, which Ctrl-C can answer. */
export interface LineEditorPrompter extends Prompter {
  /** Answers the question being asked, if any, with no; returns false when none was. */
  interruptQuestion(): boolean;
}

/**
 * Asks through a running line editor: it is paused while a secret is typed
 * (and raw mode, which the secret prompt turns off, is restored for it), and
 * questions go through the editor itself, so Ctrl-C at one can answer no.
 */
export function readlinePrompter(lines: ReadlineInterface): LineEditorPrompter {
  let pending: { abort: AbortController; answer: (yes: boolean) => void } | undefined;
  return {
    onTerminal: true,
    async secret(prompt) {
      lines.pause();
      try {
        return await promptSecret(prompt);
      } catch (error) {
        // Ctrl-C at a password prompt ends the command, not the shell.
        if (error instanceof ExitError && error.exitCode === 130) {
          throw new Error("Interrupted at the password prompt: nothing sent");
        }
        throw error;
      } finally {
        Deno.stdin.setRaw(true);
        lines.resume();
      }
    },
    confirm(question) {
      return new Promise((resolve) => {
        const abort = new AbortController();
        pending = { abort, answer: resolve };
        lines.question(`${question} [y/N] `, { signal: abort.signal }, (answer) => {
          pending = undefined;
          // An answer is not a command: keep it out of the history (Up shows commands only).
          const history = (lines as unknown as { history?: string[] }).history;
          if (history?.[0] === answer) history.shift();
          resolve(/^\s*y(es)?\s*$/i.test(answer));
        });
      });
    },
    interruptQuestion() {
      if (!pending) return false;
      const { abort, answer } = pending;
      pending = undefined;
      abort.abort();
      answer(false);
      return true;
    },
  };
}
