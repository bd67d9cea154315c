/**
 * The authorization benchmark: Encrypt 64 B by an IAM user with an identity policy, on keys with
 * a realistic 20-statement key policy full of conditions, against Encrypt 64 B by the dev root
 * on keys with the default key policy (what every other phase measures), in alternating rounds
 * on one Trent. The target: the policy side keeps at least 0.9 of the default side's
 * throughput.
 */
import { join } from "node:path";
import { SoftwareKeystore } from "../src/keystore/software-keystore.js";
import { Identities } from "../src/service/identities.js";
import { SqliteStore } from "../src/store/sqlite-store.js";
import { kmsCall } from "./kms-call.js";
import type { PhaseResult } from "./load-protocol.js";
import { mean } from "./stats.js";

export const AUTHZ_ACCESS_KEY = { accessKeyId: "AKIABENCHAUTHZUSER01", secretAccessKey: "bench-authz-secret-access-key-0001" } as const;

const ROLES = ["KeyAdmin", "AppServer", "Auditor", "Lambda", "Backup", "CI", "DataPipeline", "Analytics", "Rotation"];
const USERS = ["alice", "bob"];
const APP_USER = "bench-app";
const PARTNER = "444455556666";

/**
 * A key policy of the shape real deployments have: the account statement, console-style
 * administrator and user statements, a partner account, service-flavoured roles with encryption
 * context conditions, and guard-rail denies with conditions that every request evaluates.
 */
export function realisticKeyPolicy(account: string): string {
  const role = (n: string): string => `arn:aws:iam::${account}:role/${n}`;
  const user = (n: string): string => `arn:aws:iam::${account}:user/${n}`;
  const statements = [
    { Sid: "EnableIAMUserPermissions", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: "kms:*", Resource: "*" },
    {
      Sid: "KeyAdministrators",
      Effect: "Allow",
      Principal: { AWS: role("KeyAdmin") },
      Action: ["kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*", "kms:Revoke*", "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource", "kms:UntagResource", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion"],
      Resource: "*",
    },
    {
      Sid: "KeyUsers",
      Effect: "Allow",
      Principal: { AWS: [user(APP_USER), role("AppServer")] },
      Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
      Resource: "*",
      Condition: { StringEquals: { "kms:CallerAccount": account, "kms:EncryptionAlgorithm": "SYMMETRIC_DEFAULT" } },
    },
    {
      Sid: "PersistentResources",
      Effect: "Allow",
      Principal: { AWS: [user(APP_USER), role("AppServer")] },
      Action: ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
      Resource: "*",
      Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } },
    },
    { Sid: "OnlyAdminsDelete", Effect: "Deny", Principal: "*", Action: "kms:ScheduleKeyDeletion", Resource: "*", Condition: { ArnNotEquals: { "aws:PrincipalArn": role("KeyAdmin") } } },
    { Sid: "DecryptNeedsTenant", Effect: "Deny", Principal: "*", Action: "kms:Decrypt", Resource: "*", Condition: { Null: { "kms:EncryptionContext:tenant": "true" }, ArnNotLike: { "aws:PrincipalArn": [user(APP_USER), role("Backup")] } } },
    { Sid: "KnownAccountsOnly", Effect: "Deny", Principal: "*", Action: "kms:*", Resource: "*", Condition: { StringNotEquals: { "kms:CallerAccount": [account, PARTNER] } } },
    {
      Sid: "Partner",
      Effect: "Allow",
      Principal: { AWS: `arn:aws:iam::${PARTNER}:root` },
      Action: ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey"],
      Resource: "*",
      Condition: { StringEquals: { "kms:EncryptionContext:partner": "acme" } },
    },
    { Sid: "Auditors", Effect: "Allow", Principal: { AWS: role("Auditor") }, Action: ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:ListGrants", "kms:GetKeyRotationStatus"], Resource: "*" },
    {
      Sid: "LambdaDecrypt",
      Effect: "Allow",
      Principal: { AWS: role("Lambda") },
      Action: "kms:Decrypt",
      Resource: "*",
      Condition: { "ForAnyValue:StringEquals": { "kms:EncryptionContextKeys": ["aws:lambda:FunctionArn"] } },
    },
    { Sid: "Backups", Effect: "Allow", Principal: { AWS: role("Backup") }, Action: "kms:ReEncrypt*", Resource: "*", Condition: { StringLike: { "kms:EncryptionContext:bucket": "backup-*" } } },
    {
      Sid: "NetworkGuard",
      Effect: "Deny",
      Principal: "*",
      Action: ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*"],
      Resource: "*",
      Condition: { NotIpAddress: { "aws:SourceIp": ["127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "::1/128"] } },
    },
    {
      Sid: "CIGrants",
      Effect: "Allow",
      Principal: { AWS: role("CI") },
      Action: "kms:CreateGrant",
      Resource: "*",
      Condition: { "ForAllValues:StringEquals": { "kms:GrantOperations": ["Encrypt", "Decrypt"] }, Bool: { "kms:GrantIsForAWSResource": "false" } },
    },
    { Sid: "PolicyChangesByAdmins", Effect: "Deny", Principal: "*", Action: "kms:PutKeyPolicy", Resource: "*", Condition: { ArnNotEquals: { "aws:PrincipalArn": [role("KeyAdmin"), `arn:aws:iam::${account}:root`] } } },
    {
      Sid: "Pipeline",
      Effect: "Allow",
      Principal: { AWS: role("DataPipeline") },
      Action: "kms:GenerateDataKey*",
      Resource: "*",
      Condition: { StringEquals: { "kms:EncryptionContext:pipeline": "etl" }, DateLessThan: { "aws:CurrentTime": "2999-01-01T00:00:00Z" } },
    },
    {
      Sid: "TopSecretClearedOnly",
      Effect: "Deny",
      Principal: "*",
      Action: "kms:Decrypt",
      Resource: "*",
      Condition: { StringEquals: { "kms:EncryptionContext:classification": "top-secret" }, StringNotLike: { "aws:PrincipalArn": `arn:aws:iam::${account}:role/Cleared*` } },
    },
    { Sid: "Analytics", Effect: "Allow", Principal: { AWS: role("Analytics") }, Action: "kms:Decrypt", Resource: "*", Condition: { StringEquals: { "kms:ViaService": "athena.us-east-1.amazonaws.com" } } },
    { Sid: "Readers", Effect: "Allow", Principal: { AWS: USERS.map(user) }, Action: ["kms:DescribeKey", "kms:ListResourceTags"], Resource: "*" },
    { Sid: "Rotation", Effect: "Allow", Principal: { AWS: role("Rotation") }, Action: ["kms:RotateKeyOnDemand", "kms:EnableKeyRotation", "kms:GetKeyRotationStatus"], Resource: "*" },
    { Sid: "SymmetricOnly", Effect: "Deny", Principal: "*", Action: "kms:Encrypt", Resource: "*", Condition: { StringNotEquals: { "kms:EncryptionAlgorithm": "SYMMETRIC_DEFAULT" } } },
  ];
  return JSON.stringify({ Version: "2012-10-17", Id: "bench-realistic", Statement: statements }, null, 2);
}

/** The identity policy of the benchmark's user. */
export function appUserPolicy(account: string, region: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "UseAppKeys",
        Effect: "Allow",
        Action: ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*", "kms:DescribeKey"],
        Resource: `arn:aws:kms:${region}:${account}:key/*`,
        Condition: { StringEquals: { "aws:RequestedRegion": region } },
      },
      { Sid: "NoKeyManagement", Effect: "Deny", Action: ["kms:ScheduleKeyDeletion", "kms:PutKeyPolicy", "kms:DisableKey"], Resource: "*" },
      { Sid: "NoOtherRegions", Effect: "Deny", Action: "kms:*", Resource: "*", Condition: { StringNotEquals: { "aws:RequestedRegion": [region, "eu-west-1"] } } },
    ],
  });
}

/** Creates the benchmark's principals in a data directory before Trent starts (the user gets a fixed access key). */
export async function seedAuthzPrincipals(dataDir: string, account: string, region: string): Promise<void> {
  const keystore = SoftwareKeystore.open(dataDir);
  const store = new SqliteStore(join(dataDir, "trent.db"));
  try {
    const ids = new Identities(store, keystore);
    if ((await store.getAccount(account)) === undefined) await ids.createAccount(account);
    for (const r of ROLES) await ids.createPrincipal(account, "Role", r);
    for (const u of USERS) await ids.createPrincipal(account, "IAMUser", u);
    const app = await ids.createPrincipal(account, "IAMUser", APP_USER);
    await ids.putPolicy(app.arn, "app-keys", appUserPolicy(account, region));
    await ids.createAccessKey(app.arn, AUTHZ_ACCESS_KEY);
  } finally {
    await store.close();
    await keystore.close();
  }
}

/** Creates `count` keys with the realistic policy through CreateKey (as the dev root). */
export async function createPolicyKeys(endpoint: string, region: string, account: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  const Policy = realisticKeyPolicy(account);
  for (let i = 0; i < count; i++) {
    const r = await kmsCall(endpoint, region, "CreateKey", { Policy, Description: "bench: realistic key policy" });
    const id = (r.json["KeyMetadata"] as Record<string, unknown> | undefined)?.["KeyId"];
    if (r.status !== 200 || typeof id !== "string") throw new Error(`CreateKey with the realistic policy failed: ${JSON.stringify(r.json).slice(0, 300)}`);
    ids.push(id);
  }
  return ids;
}

export interface AuthzReport {
  readonly concurrency: number;
  /** Measured seconds of each phase. */
  readonly phaseSeconds: number;
  readonly statements: number;
  /** Dev root, default key policy. */
  readonly baseline: readonly PhaseResult[];
  /** IAM user with an identity policy, 20-statement key policy. */
  readonly policy: readonly PhaseResult[];
}

const f0 = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "n/a");
const f1 = (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : "n/a");
const f2 = (n: number): string => (Number.isFinite(n) ? n.toFixed(2) : "n/a");

function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2;
}

export interface AuthzRatios {
  /** Mean policy req/s over mean default req/s. */
  readonly reqPerSec: number;
  /** Mean default CPU per request over mean policy CPU per request. */
  readonly cpu: number;
  /** Median over rounds of each round's policy/default ratio (the two phases of a round run back to back). */
  readonly pairedReqPerSec: number;
  readonly pairedCpu: number;
}

export function authzRatios(r: AuthzReport): AuthzRatios {
  const rps = (xs: readonly PhaseResult[]): number => mean(xs.map((x) => x.reqPerSec));
  const cpu = (xs: readonly PhaseResult[]): number => mean(xs.map((x) => x.serverCpuUsPerReq));
  const pairs = r.policy.map((p, i) => [p, r.baseline[i]] as const).filter((x): x is readonly [PhaseResult, PhaseResult] => x[1] !== undefined);
  return {
    reqPerSec: rps(r.policy) / rps(r.baseline),
    cpu: cpu(r.baseline) / cpu(r.policy),
    pairedReqPerSec: median(pairs.map(([p, b]) => p.reqPerSec / b.reqPerSec)),
    pairedCpu: median(pairs.map(([p, b]) => b.serverCpuUsPerReq / p.serverCpuUsPerReq)),
  };
}

/** The report's section for the authorization comparison (markdown). */
export function renderAuthz(r: AuthzReport): string {
  const row = (label: string, xs: readonly PhaseResult[]): string =>
    `| ${label} | ${xs.map((x) => f0(x.reqPerSec)).join(", ")} | ${f0(mean(xs.map((x) => x.reqPerSec)))} | ${f1(mean(xs.map((x) => x.serverCpuUsPerReq)))} | ` +
    `${f2(mean(xs.map((x) => x.p50Ms)))} / ${f2(mean(xs.map((x) => x.p99Ms)))} | ${xs.reduce((n, x) => n + x.failures, 0)} |`;
  const ratios = authzRatios(r);
  return [
    "",
    `## Authorization cost: Encrypt 64 B, ${r.concurrency} connections, ${r.baseline.length} alternating rounds of ${r.phaseSeconds} s phases on one Trent`,
    "",
    "| Caller and key policy | req/s per round | mean req/s | CPU µs/req | p50 / p99 ms | Failures |",
    "|---|---:|---:|---:|---:|---:|",
    row("dev root, default key policy (1 statement)", r.baseline),
    row(`IAM user with a 3-statement identity policy, ${r.statements}-statement key policy with conditions`, r.policy),
    "",
    `Ratio (policy ÷ default, target ≥ 0.90): **${f2(ratios.reqPerSec)}** by mean req/s, **${f2(ratios.cpu)}** by mean CPU per request; ` +
      `median of the per-round ratios (the two phases of a round run back to back): **${f2(ratios.pairedReqPerSec)}** by req/s, **${f2(ratios.pairedCpu)}** by CPU per request.`,
  ].join("\n");
}
