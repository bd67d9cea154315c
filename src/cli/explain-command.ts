import type { Command } from "commander";
import { explain, ExplainError, explainRequestToJson, type ExplainRequest, type ExplainResult } from "../service/explain.js";
import { KmsAuthorizer } from "../policy/kms-authorizer.js";
import { storeAuthzLookups } from "../service/authz-lookups.js";
import { openDataDir, type OutputFormat } from "./data-dir.js";

interface ExplainFlags {
  dataDir?: string;
  endpoint?: string;
  principal: string;
  action: string;
  key?: string;
  region?: string;
  encryptionContext: string[];
  condition: string[];
  sourceIp?: string;
  output: OutputFormat;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function pairs(list: readonly string[], flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of list) {
    const i = p.indexOf("=");
    if (i <= 0) throw new ExplainError(`${flag} takes KEY=VALUE, not ${JSON.stringify(p)}`);
    out[p.slice(0, i)] = p.slice(i + 1);
  }
  return out;
}

function toRequest(o: ExplainFlags): ExplainRequest {
  const ec = pairs(o.encryptionContext, "--encryption-context");
  const conditions = pairs(o.condition, "--condition");
  return {
    principal: o.principal,
    action: o.action,
    ...(o.key !== undefined ? { key: o.key } : {}),
    ...(o.region !== undefined ? { region: o.region } : {}),
    ...(o.sourceIp !== undefined ? { sourceIp: o.sourceIp } : {}),
    ...(o.encryptionContext.length > 0 ? { encryptionContext: ec } : {}),
    ...(o.condition.length > 0 ? { conditions } : {}),
  };
}

async function viaEndpoint(endpoint: string, req: ExplainRequest): Promise<ExplainResult> {
  const r = await fetch(`${endpoint.replace(/\/+$/, "")}/_trent/explain`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(explainRequestToJson(req)),
  });
  const body = (await r.json()) as Record<string, unknown>;
  if (r.status !== 200) throw new ExplainError(typeof body["message"] === "string" ? body["message"] : `the endpoint answered HTTP ${r.status}`);
  return body as unknown as ExplainResult;
}

async function viaDataDir(dataDir: string | undefined, req: ExplainRequest): Promise<ExplainResult> {
  const dir = await openDataDir(dataDir);
  try {
    return await explain(dir.store, new KmsAuthorizer(storeAuthzLookups(dir.store)), req, Date.now());
  } finally {
    await dir.close();
  }
}

function printText(r: ExplainResult): void {
  const lines = [
    `Decision: ${r.Decision}`,
    `Principal: ${r.Principal}`,
    `Action: ${r.Action}`,
    `Resource: ${r.Resource}`,
    ...(r.Message !== undefined ? [`Message: ${r.Message}`] : []),
    "Trace:",
    ...r.Trace.map((l) => `  ${l}`),
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}

/**
 * `trent explain`: how the policy engine decides one request (the same KmsAuthorizer the service
 * uses), with every key-policy statement, identity-policy statement and grant it considered.
 * Reads the data directory directly, or asks a running server (`--endpoint`, loopback only).
 */
export function registerExplainCommand(program: Command): void {
  program
    .command("explain")
    .description("explain an authorization decision: which statements and grants were considered and why")
    .requiredOption("--principal <arn>", "the caller: account root, user or role ARN")
    .requiredOption("--action <action>", "e.g. kms:Encrypt")
    .option("--key <id>", "key id, key ARN, alias name or alias ARN (absent: an account-level action)")
    .option("--region <region>", "region of the request (default: the key ARN's, else us-east-1)")
    .option("--encryption-context <k=v>", "a pair of the request's encryption context (repeatable)", collect, [])
    .option("--condition <key=value>", "another request condition key, e.g. kms:GrantIsForAWSResource=true (repeatable)", collect, [])
    .option("--source-ip <ip>", "aws:SourceIp of the request")
    .option("--data-dir <dir>", "data directory (env TRENT_DATA_DIR, default ./.trent)")
    .option("--endpoint <url>", "ask a running Trent (POST /_trent/explain, from loopback) instead of reading the data directory")
    .option("--output <format>", "text or json", "text")
    .action(async (o: ExplainFlags) => {
      try {
        const req = toRequest(o);
        const result = o.endpoint !== undefined ? await viaEndpoint(o.endpoint, req) : await viaDataDir(o.dataDir, req);
        if (o.output === "json") process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        else printText(result);
      } catch (e) {
        if (!(e instanceof ExplainError)) throw e;
        process.stderr.write(`trent: ${e.message}\n`);
        process.exitCode = 1;
      }
    });
}
