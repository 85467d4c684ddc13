/**
 * ftpx: a multi-user file server and its client, in one program.
 * This file only finds the subcommand and hands over; subcommand modules
 * load lazily, so `ftpx connect` never loads server code.
 *
 * @module
 */

import { ExitError, UsageError } from "./cli/errors.ts";
import { FTPX_VERSION } from "./protocol/version.ts";

/** What every subcommand module exports. */
interface Subcommand {
  HELP: string;
  run(args: string[]): Promise<number>;
}

const COMMANDS: Record<string, { summary: string; load: () => Promise<Subcommand> }> = {
  serve: { summary: "Run the server", load: () => import("./server/commands/serve.ts") },
  connect: {
    summary: "Open a shell on a server (or run commands with -c)",
    load: () => import("./client/connect.ts"),
  },
  adduser: {
    summary: "Create an account (on the server host)",
    load: () => import("./server/commands/adduser.ts"),
  },
  passwd: {
    summary: "Set an account's password (on the server host)",
    load: () => import("./server/commands/passwd.ts"),
  },
  users: {
    summary: "List accounts (on the server host)",
    load: () => import("./server/commands/users.ts"),
  },
  deluser: {
    summary: "Delete an account (on the server host)",
    load: () => import("./server/commands/deluser.ts"),
  },
  quota: {
    summary: "Set an account's quota (on the server host)",
    load: () => import("./server/commands/quota.ts"),
  },
  rate: {
    summary: "Show or set an account's bandwidth limits (on the server host)",
    load: () => import("./server/commands/rate.ts"),
  },
  disable: {
    summary: "Disable an account, keeping its files (on the server host)",
    load: () => import("./server/commands/disable.ts"),
  },
  enable: {
    summary: "Enable a disabled account (on the server host)",
    load: () => import("./server/commands/enable.ts"),
  },
  du: {
    summary: "Recompute used space from disk and fix drift (on the server host)",
    load: () => import("./server/commands/du.ts"),
  },
  key: {
    summary: "Add, list or remove a user's SSH keys for SFTP (on the server host)",
    load: () => import("./server/commands/key.ts"),
  },
  migrate: {
    summary: "Create or upgrade the PostgreSQL schema (on a server host)",
    load: () => import("./server/commands/migrate.ts"),
  },
  export: {
    summary: "Write every account as JSON lines, to be imported elsewhere (on the server host)",
    load: () => import("./server/commands/export.ts"),
  },
  import: {
    summary: "Read accounts written by ftpx export (on the server host)",
    load: () => import("./server/commands/import.ts"),
  },
  cert: {
    summary: "Make a self-signed TLS certificate and key",
    load: () => import("./server/commands/cert.ts"),
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const lines = Object.entries(COMMANDS).map(([name, { summary }]) =>
    `  ${name.padEnd(width)}  ${summary}`
  );
  return `ftpx ${FTPX_VERSION}: a multi-user file server and its client

Usage: ftpx <command> [options]

Commands:
${lines.join("\n")}

Options:
  -h, --help     Show this help
  -V, --version  Show the version

Run "ftpx <command> --help" for a command's options.`;
}

async function main(args: string[]): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    if (name === undefined) {
      console.error(usage());
      return 2;
    }
    console.log(usage());
    return 0;
  }
  if (name === "--version" || name === "-V") {
    console.log(`ftpx ${FTPX_VERSION}`);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    const known = Object.keys(COMMANDS).join(", ");
    console.error(`error: unknown command "${name}": expected one of ${known} (see "ftpx --help")`);
    return 2;
  }
  try {
    return await (await command.load()).run(rest);
  } catch (error) {
    return reportFatal(name, error);
  }
}

/** The one fatal-error path: `error: ...` on stderr and a non-zero status. */
function reportFatal(command: string, error: unknown): number {
  if (error instanceof ExitError) return error.exitCode;
  if (error instanceof UsageError) {
    console.error(`error: ${error.message} (see "ftpx ${command} --help")`);
    return 2;
  }
  const message = error instanceof Error ? error.message : String(error);
  // One line, and no control characters: some messages carry text from a server.
  // deno-lint-ignore no-control-regex
  console.error(`error: ${message.replace(/[\x00-\x1f\x7f]/g, "?")}`);
  return 1;
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
