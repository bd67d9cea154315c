import type { Command } from "commander";
import { formatJsonLine, formatTable, queryAuditLog, type AuditQuery, type QueriedEvent } from "../audit/query.js";
import { auditDir } from "../audit/segments.js";
import { readAuditPublicKey } from "../audit/signing-key.js";
import { verifyAuditLog } from "../audit/verify.js";
import { defaultDataDir } from "../service/config.js";

/**
 * `trent audit verify` and `trent audit query`: read-only tools over `<dataDir>/audit`. They need
 * only the data directory (the signing key's public half is stored there in clear), so they can
 * run while Trent runs, or on a copy of the directory.
 */

export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

const processIo: CliIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
};

function resolveDataDir(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  return flag ?? env["TRENT_DATA_DIR"] ?? defaultDataDir();
}

export interface VerifyFlags {
  readonly dataDir?: string;
  readonly json?: boolean;
}

/** Exit code: 0 intact, 1 a problem found (printed), 2 the log could not be checked. */
export async function runAuditVerify(flags: VerifyFlags, io: CliIo = processIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const dir = auditDir(resolveDataDir(flags.dataDir, env));
  let publicKey;
  try {
    publicKey = await readAuditPublicKey(dir);
  } catch (e) {
    io.err(`trent audit verify: cannot read the audit signing key: ${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }
  const r = await verifyAuditLog(dir, publicKey);
  if (flags.json === true) {
    io.out(`${JSON.stringify(r)}\n`);
    return r.ok ? 0 : 1;
  }
  for (const n of r.notes) io.out(`note: ${n}\n`);
  if (r.firstProblem === undefined) {
    io.out(
      `audit log intact: ${r.records} records, ${r.lines} lines in ${r.segments} segment(s), ${r.digests} digest(s), ` +
        `last seq ${r.lastSeq}${r.unsigned > 0 ? `, ${r.unsigned} not yet signed by a digest` : ""}\n`,
    );
    return 0;
  }
  const p = r.firstProblem;
  const where = p.line > 0 ? `${p.file} line ${p.line}` : p.file;
  io.out(`audit log NOT intact: ${p.kind} at ${where}${p.seq !== undefined ? ` (seq ${p.seq})` : ""}: ${p.detail}\n`);
  io.out(`checked ${r.lines} lines before it\n`);
  return 1;
}

export interface QueryFlags {
  readonly dataDir?: string;
  readonly from?: string;
  readonly to?: string;
  readonly key?: string;
  readonly principal?: string;
  readonly event?: string;
  readonly error?: string;
  readonly output?: string;
}

function parseTime(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new Error(`--${name} must be an ISO 8601 time, not ${v}`);
  return t;
}

/** Exit code: 0 (whether or not anything matched), 2 on bad arguments. */
export async function runAuditQuery(flags: QueryFlags, io: CliIo = processIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const output = flags.output ?? "table";
  let q: AuditQuery;
  try {
    if (output !== "json" && output !== "table") throw new Error(`--output must be json or table, not ${output}`);
    const from = parseTime("from", flags.from);
    const to = parseTime("to", flags.to);
    q = {
      ...(from !== undefined ? { from } : {}),
      ...(to !== undefined ? { to } : {}),
      ...(flags.key !== undefined ? { key: flags.key } : {}),
      ...(flags.principal !== undefined ? { principal: flags.principal } : {}),
      ...(flags.event !== undefined ? { eventName: flags.event } : {}),
      ...(flags.error !== undefined ? { errorCode: flags.error } : {}),
    };
  } catch (e) {
    io.err(`trent audit query: ${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }
  const dir = auditDir(resolveDataDir(flags.dataDir, env));
  if (output === "json") {
    for await (const e of queryAuditLog(dir, q)) io.out(`${formatJsonLine(e)}\n`);
    return 0;
  }
  const rows: QueriedEvent[] = [];
  for await (const e of queryAuditLog(dir, q)) rows.push(e);
  io.out(formatTable(rows));
  return 0;
}

/** Adds `trent audit verify` and `trent audit query` to the program. */
export function registerAuditCommands(program: Command): void {
  const audit = program.command("audit").description("check and search the audit trail (<data-dir>/audit)");
  audit
    .command("verify")
    .description("check the whole hash chain and its signed digests; exit 0 when intact, 1 naming the first problem")
    .option("--data-dir <dir>", "Trent's data directory (env TRENT_DATA_DIR, default ./.trent)")
    .option("--json", "print the result as JSON")
    .action(async (flags: VerifyFlags) => {
      process.exitCode = await runAuditVerify(flags);
    });
  audit
    .command("query")
    .description("print the CloudTrail records that match every filter given")
    .option("--data-dir <dir>", "Trent's data directory (env TRENT_DATA_DIR, default ./.trent)")
    .option("--from <time>", "records at or after this ISO 8601 time")
    .option("--to <time>", "records at or before this ISO 8601 time")
    .option("--key <id>", "key id, key ARN or alias name")
    .option("--principal <arn>", "caller's principal ARN")
    .option("--event <name>", "event name, e.g. Decrypt")
    .option("--error <code>", "error code, e.g. AccessDeniedException")
    .option("--output <format>", "json (one record a line) or table", "table")
    .action(async (flags: QueryFlags) => {
      process.exitCode = await runAuditQuery(flags);
    });
}
