/**
 * The registry of FTP verbs, keyed by every name and alias, and the one
 * `dispatchVerb()` that applies each verb's rules in order before its
 * handler runs: known verb, login, argument, data connection. Before login
 * only USER, PASS, QUIT, FEAT, SYST, AUTH, PBSZ, PROT, OPTS, HELP and NOOP
 * exist (vsftpd's prelogin.c).
 */

import { Code } from "../codes.ts";
import { MAX_ECHOED_VERB_CHARS } from "../../../core/limits.ts";
import { recheckSession } from "../../../core/auth/login.ts";
import { type FtpReply, reply } from "../replies.ts";
import { abor } from "./abor.ts";
import { allo } from "./allo.ts";
import { appe } from "./appe.ts";
import { auth } from "./auth.ts";
import { cdup } from "./cdup.ts";
import { cwd } from "./cwd.ts";
import { dele } from "./dele.ts";
import { eprt } from "./eprt.ts";
import { epsv } from "./epsv.ts";
import { feat } from "./feat.ts";
import { hash } from "./hash.ts";
import { help } from "./help.ts";
import { list } from "./list.ts";
import { mdtm } from "./mdtm.ts";
import { mfmt } from "./mfmt.ts";
import { site } from "./site.ts";
import { mkd } from "./mkd.ts";
import { mlsd } from "./mlsd.ts";
import { mlst } from "./mlst.ts";
import { mode } from "./mode.ts";
import { nlst } from "./nlst.ts";
import { noop } from "./noop.ts";
import { opts } from "./opts.ts";
import { pass } from "./pass.ts";
import { pasv } from "./pasv.ts";
import { pbsz } from "./pbsz.ts";
import { port } from "./port.ts";
import { prot } from "./prot.ts";
import { pwd } from "./pwd.ts";
import { quit } from "./quit.ts";
import { rest } from "./rest.ts";
import { retr } from "./retr.ts";
import { rmd } from "./rmd.ts";
import { rnfr } from "./rnfr.ts";
import { rnto } from "./rnto.ts";
import { size } from "./size.ts";
import { stat } from "./stat.ts";
import { stor } from "./stor.ts";
import { stru } from "./stru.ts";
import { syst } from "./syst.ts";
import { type } from "./type.ts";
import { user } from "./user.ts";
import type { Verb, VerbContext } from "./verb.ts";

const ALL_VERBS: readonly Verb[] = [
  user,
  pass,
  quit,
  syst,
  feat,
  help,
  noop,
  opts,
  auth,
  pbsz,
  prot,
  pwd,
  cwd,
  cdup,
  mkd,
  rmd,
  dele,
  rnfr,
  rnto,
  type,
  mode,
  stru,
  allo,
  rest,
  size,
  mdtm,
  mfmt,
  site,
  pasv,
  epsv,
  port,
  eprt,
  list,
  nlst,
  mlsd,
  mlst,
  stat,
  abor,
  retr,
  stor,
  appe,
  hash,
];

/** Every verb by its name and by each alias. */
export const VERBS: ReadonlyMap<string, Verb> = new Map(
  ALL_VERBS.flatMap((verb) => [verb.name, ...verb.aliases ?? []].map((name) => [name, verb])),
);

/** Verbs of RFC 959 and its extensions that this server knows but does not offer. */
const NOT_IMPLEMENTED = new Set(["ACCT", "SMNT", "REIN", "STOU", "CCC", "LPRT", "LPSV"]);

/** A command line split into its verb (upper case) and argument (verbatim). */
export interface FtpCommand {
  name: string;
  arg: string;
}

/** Splits `RETR my file.txt` into `RETR` and `my file.txt`. */
export function parseCommand(line: string): FtpCommand {
  const space = line.indexOf(" ");
  const name = (space === -1 ? line : line.slice(0, space)).toUpperCase();
  return { name, arg: space === -1 ? "" : line.slice(space + 1) };
}

/** Applies `command`'s rules, then runs its handler; returns the reply to send, if any. */
export async function dispatchVerb(
  ctx: VerbContext,
  command: FtpCommand,
): Promise<FtpReply | undefined> {
  const { session } = ctx;
  const verb = VERBS.get(command.name);
  if (verb?.name !== "RNTO") session.renameFrom = undefined;
  if (session.account && verb?.name !== "QUIT") {
    // The account changed under the session (deleted, disabled, new password): it ends.
    const ended = await recheckSession(ctx.services, session);
    if (ended) return reply(Code.SERVICE_CLOSING, ended);
  }
  const refusal = checkRules(ctx, verb, command);
  if (refusal) return refusal;
  return await verb!.handler(ctx, command.arg);
}

function checkRules(
  { session }: VerbContext,
  verb: Verb | undefined,
  { name, arg }: FtpCommand,
): FtpReply | undefined {
  const shown = name.slice(0, MAX_ECHOED_VERB_CHARS);
  if (!verb) {
    if (name === "") return reply(Code.SYNTAX_ERROR, "Empty command");
    if (NOT_IMPLEMENTED.has(name)) {
      return reply(Code.NOT_IMPLEMENTED, `${shown} is not implemented`);
    }
    return reply(Code.SYNTAX_ERROR, `Unknown command "${shown}"`);
  }
  if (verb.auth === "user" && !session.account) {
    return reply(Code.NOT_LOGGED_IN, "Log in with USER and PASS first");
  }
  const empty = arg.trim() === "";
  if (verb.arg === "required" && empty) return reply(Code.BAD_ARGUMENT, `Syntax: ${verb.syntax}`);
  if (verb.arg === "none" && !empty) {
    return reply(Code.BAD_ARGUMENT, `${verb.name} takes no argument`);
  }
  if (verb.data && !session.dataReady) {
    return reply(Code.CANNOT_OPEN_DATA, "No data connection: send PASV or EPSV first");
  }
  return undefined;
}
