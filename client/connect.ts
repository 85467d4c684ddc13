/** `ftpx connect`: log in to a server and run the remote shell or a script. */

import { parseFlags, parsePort, stringFlag } from "../cli/args.ts";
import { ExitError, UsageError } from "../cli/errors.ts";
import { stdinLineReader } from "../cli/line_reader.ts";
import {
  canPrompt,
  promptLine,
  promptNewPassword,
  promptSecret,
  writeStderr,
} from "../cli/prompt.ts";
import { MIN_PASSWORD_LENGTH, USERNAME_PATTERN } from "../protocol/limits.ts";
import { isOk, Status } from "../protocol/status.ts";
import type { ShellContext } from "./commands/command.ts";
import { transferEnv } from "./commands/_transfer.ts";
import { offerResumes } from "./transfer/resume_offer.ts";
import {
  Connection,
  ConnectionLostError,
  type ConnectOptions,
  DEFAULT_HOST,
  DEFAULT_PORT,
  RemoteError,
  type ResponseHeader,
} from "./connection.ts";
import { safeName, safeText } from "./format.ts";
import { defaultPrompter } from "./prompter.ts";
import { executeLine, runInteractive, runScript } from "./shell.ts";

/** One line for `ftpx --help`. */
export const SUMMARY = "Open a shell on a server (or run commands with -c)";

/** Text for `ftpx connect --help`. */
export const HELP = `Usage: ftpx connect [options]

Log in to an ftpx server and open a shell (ls, cd, get, put, rm, mv, ...;
"help" lists them). Without a terminal, commands are read one per line from
standard input; the first failing command stops the script (exit status 1).

Options:
  -H, --host HOST      Server address (default ${DEFAULT_HOST})
  -P, --port PORT      Server port (default ${DEFAULT_PORT})
  -u, --user USER      User name (asked on a terminal if missing)
  --tls                Connect with TLS, verifying the server's certificate
                       against the trusted roots (and --ca); never falls back
                       to plaintext
  --ca FILE            Also trust this certificate (PEM), e.g. the server's
                       self-signed one from ftpx cert; implies --tls
  --password-stdin     Read the password from the first line of standard input
  --register           Create the account first (if the server allows it), then log in
  -c, --command CMDS   Run these commands ("cd docs; ls") and exit
  --resume             Resume unfinished downloads from this server first
  --allow-local-shell  Let scripts run local commands with "!COMMAND" (needs
                       Deno's run permission: deno run --allow-run=sh ...)
  -h, --help           Show this help

The password comes from --password-stdin, else the FTPX_PASSWORD
environment variable, else a prompt on the terminal (3 tries; with
--register, the new password is asked twice).

In the shell, Ctrl-C stops the running command or transfer (what arrived
is kept, and the same get or put resumes it), logs in again and returns to
the prompt; at a question it answers no; at the prompt it clears the line.
Ctrl-D or "exit" leaves. In scripts, Ctrl-C stops the client.

Unfinished downloads are remembered in $FTPX_HOME/resume.ini (default
~/.config/ftpx); after login they are listed and, on a terminal, offered
for resuming.
`;

const MAX_TTY_TRIES = 3;

interface PasswordSource {
  /** The next password to try, or null when there is none left. */
  next(attempt: number): Promise<string | null>;
  /** How many attempts this source allows. */
  tries: number;
}

/** Connects, logs in and runs the shell or script. */
export async function run(args: string[]): Promise<number> {
  enterInvokingDirectory();
  const parsed = parseFlags(args, {
    host: { type: "string", short: "H" },
    port: { type: "string", short: "P" },
    user: { type: "string", short: "u" },
    "password-stdin": { type: "boolean" },
    register: { type: "boolean" },
    command: { type: "string", short: "c" },
    tls: { type: "boolean" },
    ca: { type: "string" },
    resume: { type: "boolean" },
    "allow-local-shell": { type: "boolean" },
  });
  if (parsed.flags.help) {
    console.log(HELP);
    return 0;
  }
  if (parsed.positionals.length > 0) {
    throw new UsageError(`Unexpected argument "${parsed.positionals[0]}"`);
  }
  // An IPv6 address may come bracketed, as it is printed: -H [::1].
  const host = (nonEmpty(stringFlag(parsed, "host"), "host") ?? DEFAULT_HOST)
    .replace(/^\[(.*)\]$/, "$1");
  const port = serverPort(stringFlag(parsed, "port") ?? String(DEFAULT_PORT));
  const script = stringFlag(parsed, "command");
  const passwordFromStdin = parsed.flags["password-stdin"] === true;
  const interactive = script === undefined && !passwordFromStdin && canPrompt();

  const caFile = stringFlag(parsed, "ca");
  const tls = parsed.flags.tls === true || caFile !== undefined
    ? { caCerts: caFile === undefined ? undefined : [await readCaFile(caFile)] }
    : undefined;

  const user = nonEmpty(stringFlag(parsed, "user"), "user") ?? await askUser();
  const registering = parsed.flags.register === true;
  if (registering) checkNewUserName(user);
  // Without --register, a missing password source is a usage error before any connection.
  const loginPasswords = registering ? undefined : passwordSource(passwordFromStdin);
  const connection = await Connection.open({ host, port, tls });
  let current = connection;
  if (!connection.secure && !isLoopback(host)) {
    await writeStderr(
      `warning: ${connection.address} without TLS: your password and files cross the network ` +
        `in plaintext (use --tls)\n`,
    );
  }
  try {
    const passwords = loginPasswords ??
      await registerAccount(connection, user, passwordFromStdin);
    const { login, password } = await logIn(connection, user, passwords);
    const ctx = shellContext(connection, login, interactive);
    ctx.localShell = interactive || parsed.flags["allow-local-shell"] === true;
    // Kept for the session: Ctrl-C's reconnection and mirror --parallel log in again.
    let latest = password;
    ctx.passwordChanged = (changed) => latest = changed;
    ctx.openConnection = async () =>
      (await relogIn({ host, port, tls }, user, latest, ctx.cwd)).connection;
    if (interactive) {
      // Ctrl-C closes the connection to stop a transfer: the shell logs in again, as lftp does.
      ctx.reconnect = async () => {
        const again = await relogIn({ host, port, tls }, user, latest, ctx.cwd);
        current = again.connection;
        ctx.connection = current;
        if (again.cwd !== ctx.cwd) {
          ctx.notice(`Cannot enter "${safeName(ctx.cwd)}" again: back in ${safeName(again.cwd)}`);
          ctx.cwd = again.cwd;
        }
      };
    }
    if (interactive) {
      await writeStderr(
        `Connected to ${connection.address} as ${safeName(ctx.user)}. Type "help" for commands.\n`,
      );
    }
    const resumeChoice = parsed.flags.resume === true ? "resume" : interactive ? "ask" : "mention";
    const resumed = await offerResumes(
      transferEnv(ctx),
      resumeChoice,
      (question) => ctx.prompter.confirm(question),
    );
    if (!resumed && !interactive) return 1;
    const status = await runShell(ctx, script, interactive);
    await current.request("quit").catch(() => {});
    return status;
  } catch (error) {
    if (error instanceof ConnectionLostError) throw new Error(error.message);
    throw error;
  } finally {
    current.close();
  }
}

function runShell(
  ctx: ShellContext,
  script: string | undefined,
  interactive: boolean,
): Promise<number> {
  if (script !== undefined) return executeLine(ctx, script).then((ok) => ok ? 0 : 1);
  if (interactive) return runInteractive(ctx);
  const lines = stdinLineReader();
  return runScript(ctx, () => lines.next());
}

/**
 * `deno task` runs in the directory of deno.json and names the one it was
 * typed in as INIT_CWD: local paths (get, put, lls, --ca) mean that one. Only
 * read when permitted (the `ftpx` task grants it; the compiled binary, which
 * already runs where it was typed, doesn't).
 */
function enterInvokingDirectory(): void {
  const permission = Deno.permissions.querySync({ name: "env", variable: "INIT_CWD" });
  if (permission.state !== "granted") return;
  const dir = Deno.env.get("INIT_CWD");
  if (!dir) return;
  try {
    Deno.chdir(dir);
  } catch (error) {
    const reason = error instanceof Deno.errors.NotFound ? "not found" : "not accessible";
    throw new Error(`Cannot start in "${dir}" (INIT_CWD, where deno task was run): ${reason}`);
  }
}

async function readCaFile(path: string): Promise<string> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    const reason = error instanceof Deno.errors.NotFound ? "not found" : "not readable";
    throw new Error(`Cannot read --ca file "${path}": ${reason}`);
  }
  if (!text.includes("-----BEGIN CERTIFICATE-----")) {
    throw new Error(`No PEM certificate in --ca file "${path}"`);
  }
  return text;
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || host.startsWith("127.");
}

async function askUser(): Promise<string> {
  if (!canPrompt()) throw new UsageError("Missing -u USER");
  const name = (await promptLine("User: "))?.trim();
  if (!name) throw new UsageError("No user name given");
  return name;
}

function passwordSource(fromStdin: boolean): PasswordSource {
  if (fromStdin) {
    return {
      tries: 1,
      async next() {
        const line = await stdinLineReader().next();
        if (line === null) throw new UsageError("No password on standard input (--password-stdin)");
        return line;
      },
    };
  }
  const fromEnv = Deno.env.get("FTPX_PASSWORD");
  if (fromEnv !== undefined) return { tries: 1, next: () => Promise.resolve(fromEnv) };
  if (!canPrompt()) {
    throw new UsageError(
      "No password: use --password-stdin, set FTPX_PASSWORD, or run on a terminal",
    );
  }
  return { tries: MAX_TTY_TRIES, next: () => promptSecret("Password: ") };
}

/** A flag given as `""` is a mistake (an unset variable in a script), not a value. */
function nonEmpty(value: string | undefined, what: string): string | undefined {
  if (value === "") throw new UsageError(`Invalid ${what} "": expected a value`);
  return value;
}

/** A server's port: 0 means "any free port" only to a server. */
function serverPort(text: string): number {
  const port = parsePort(text);
  if (port === 0) throw new UsageError(`Invalid port "${text}": expected a number from 1 to 65535`);
  return port;
}

/** Refuses a name the server would refuse, before asking for a password. */
function checkNewUserName(name: string): void {
  if (!USERNAME_PATTERN.test(name)) {
    throw new UsageError(
      `Invalid user name "${
        name.slice(0, 40)
      }": use 1 to 32 of a-z 0-9 _ . - (not starting with . or -)`,
    );
  }
}

/**
 * `--register`: creates the account (saying plainly when the server doesn't
 * allow it, before asking for a password), and returns the new password as
 * the one to log in with.
 */
async function registerAccount(
  connection: Connection,
  user: string,
  fromStdin: boolean,
): Promise<PasswordSource> {
  if (connection.hello?.register !== true) {
    throw new Error(
      `Registration is disabled on ${connection.address}: ask its administrator for an account`,
    );
  }
  const password = await newAccountPassword(fromStdin);
  const response = await connection.request("register", { user, password });
  if (!isOk(response.status)) throw new RemoteError(response.status, response.message);
  await writeStderr(`${safeName(response.message)} on ${connection.address}\n`);
  return { tries: 1, next: () => Promise.resolve(password) };
}

async function newAccountPassword(fromStdin: boolean): Promise<string> {
  if (fromStdin) {
    const line = await stdinLineReader().next();
    if (line === null || line === "") throw new UsageError("No password on standard input");
    return line;
  }
  const fromEnv = Deno.env.get("FTPX_PASSWORD");
  if (fromEnv !== undefined) return fromEnv;
  if (!canPrompt()) {
    throw new UsageError(
      "No password for the new account: use --password-stdin, set FTPX_PASSWORD, or run on a terminal",
    );
  }
  return await promptNewPassword(MIN_PASSWORD_LENGTH);
}

async function logIn(
  connection: Connection,
  user: string,
  passwords: PasswordSource,
): Promise<{ login: ResponseHeader; password: string }> {
  const failed = `error: Login failed for "${user}" on ${connection.address}`;
  for (let attempt = 1; attempt <= passwords.tries; attempt++) {
    const password = await passwords.next(attempt);
    if (password === null) break;
    const response = await connection.request("login", { user, password });
    if (response.status === Status.OK) return { login: response, password };
    if (response.status !== Status.UNAUTHENTICATED) {
      throw new RemoteError(response.status, response.message);
    }
    // One try (a script): one line. On a terminal each wrong try is said, then the end.
    if (passwords.tries === 1) {
      await writeStderr(`${failed}: ${safeName(response.message)}\n`);
      throw new ExitError(1);
    }
    await writeStderr(`${safeName(response.message)}\n`);
  }
  await writeStderr(`${failed}\n`);
  throw new ExitError(1);
}

/** Connects and logs in again (after Ctrl-C), back in directory `cwd` if it still exists. */
async function relogIn(
  options: ConnectOptions,
  user: string,
  password: string,
  cwd: string,
): Promise<{ connection: Connection; cwd: string }> {
  const connection = await Connection.open(options);
  try {
    const response = await connection.request("login", { user, password });
    if (response.status !== Status.OK) {
      throw new ConnectionLostError(
        `Cannot log in again after the interruption: ${safeName(response.message)}`,
      );
    }
    const home = String(response.cwd);
    if (home === cwd) return { connection, cwd };
    const entered = await connection.request("cd", { path: cwd });
    return { connection, cwd: isOk(entered.status) ? String(entered.cwd) : home };
  } catch (error) {
    connection.close();
    throw error;
  }
}

function shellContext(
  connection: Connection,
  login: ResponseHeader,
  interactive: boolean,
): ShellContext {
  return {
    connection,
    user: String(login.user),
    admin: login.admin === true,
    cwd: String(login.cwd),
    interactive,
    localShell: interactive,
    exitRequested: false,
    prompter: defaultPrompter(),
    // Output often carries server text: control characters never reach the terminal.
    print: (text) => console.log(safeText(text)),
    notice: (text) => console.error(safeText(text)),
  };
}
