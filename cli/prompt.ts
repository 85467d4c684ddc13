/** Terminal prompts: secrets without echo, and yes/no questions. */

import { MAX_PASSWORD_BYTES } from "../protocol/limits.ts";
import { ExitError } from "./errors.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

const CTRL_C = 0x03;
const CTRL_D = 0x04;
const BACKSPACE = 0x08;
const LINE_FEED = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const CTRL_U = 0x15;
const DELETE = 0x7f;
const MAX_PROMPT_LINE_BYTES = 4096;

/** True when both standard input and standard error are terminals, so we may ask a person. */
export function canPrompt(): boolean {
  return Deno.stdin.isTerminal() && Deno.stderr.isTerminal();
}

/** Writes text to standard error, where prompts belong (stdout stays machine-readable). */
export async function writeStderr(text: string): Promise<void> {
  const bytes = encoder.encode(text);
  let offset = 0;
  while (offset < bytes.length) offset += await Deno.stderr.write(bytes.subarray(offset));
}

/**
 * Asks for a secret on the terminal without echoing it.
 * Returns `null` on end of input (Ctrl-D on an empty line); Ctrl-C exits with status 130.
 */
export async function promptSecret(prompt: string): Promise<string | null> {
  // Echo goes off before the prompt shows, so nothing typed after it can echo.
  Deno.stdin.setRaw(true);
  let entered: number[] | null = [];
  try {
    await writeStderr(prompt);
    entered = await readSecretBytes();
  } finally {
    Deno.stdin.setRaw(false);
    await writeStderr("\n");
  }
  return entered === null ? null : decoder.decode(new Uint8Array(entered));
}

async function readSecretBytes(): Promise<number[] | null> {
  const bytes: number[] = [];
  const chunk = new Uint8Array(256);
  while (true) {
    const n = await Deno.stdin.read(chunk);
    if (n === null) return bytes.length ? bytes : null;
    for (const byte of chunk.subarray(0, n)) {
      if (byte === CTRL_C) throw new ExitError(130, "Interrupted");
      if (byte === CTRL_D && bytes.length === 0) return null;
      if (byte === CARRIAGE_RETURN || byte === LINE_FEED) return bytes;
      if (byte === DELETE || byte === BACKSPACE) {
        removeLastCharacter(bytes);
      } else if (byte === CTRL_U) {
        bytes.length = 0;
      } else if (byte >= 0x20 && bytes.length < MAX_PASSWORD_BYTES) {
        bytes.push(byte);
      }
    }
  }
}

/** Drops one UTF-8 character: any continuation bytes, then the lead byte. */
function removeLastCharacter(bytes: number[]): void {
  while (bytes.length > 0 && (bytes[bytes.length - 1]! & 0xc0) === 0x80) bytes.pop();
  bytes.pop();
}

/**
 * Reads one line typed on the terminal (echoed, cooked mode), reading the
 * terminal directly so a later line editor can own standard input alone.
 * Returns `null` at end of input.
 */
export async function promptLine(prompt: string): Promise<string | null> {
  await writeStderr(prompt);
  const bytes: number[] = [];
  const chunk = new Uint8Array(1);
  while (bytes.length < MAX_PROMPT_LINE_BYTES) {
    const n = await Deno.stdin.read(chunk);
    if (n === null) return bytes.length ? decoder.decode(new Uint8Array(bytes)) : null;
    if (chunk[0] === LINE_FEED) break;
    bytes.push(chunk[0]!);
  }
  return decoder.decode(new Uint8Array(bytes)).replace(/\r$/, "");
}

/** Asks a yes/no question on the terminal; anything but y/yes is no. */
export async function confirm(question: string): Promise<boolean> {
  const answer = await promptLine(`${question} [y/N] `);
  return answer !== null && /^\s*y(es)?\s*$/i.test(answer);
}

/** Asks for a new password twice on the terminal, until both entries match and are long enough. */
export async function promptNewPassword(minLength: number): Promise<string> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const first = await promptSecret("New password: ");
    if (first === null) break;
    if (first.length < minLength) {
      await writeStderr(`Password too short: use at least ${minLength} characters\n`);
      continue;
    }
    const second = await promptSecret("Repeat password: ");
    if (second === first) return first;
    await writeStderr("Passwords do not match\n");
  }
  throw new Error("No password set: three attempts failed");
}
