import { CreateKeyCommand, type CreateKeyCommandInput, type KMSClient } from "@aws-sdk/client-kms";
import assert from "node:assert/strict";
import { test } from "node:test";
import { Identities } from "../../src/service/identities.js";
import { DEV_ACCOUNT, REGION, startTrent, useFixture, type Harness } from "./harness.js";
import type { TrentDeps } from "../../src/service/trent.js";

/** Shared set-up for the authorization tables: accounts, users and roles with real access keys. */

export const ACCOUNT_A = DEV_ACCOUNT;
export const ACCOUNT_B = "444455556666";
export const ROOT_A = `arn:aws:iam::${ACCOUNT_A}:root`;
export const ROOT_B = `arn:aws:iam::${ACCOUNT_B}:root`;

export interface Principal {
  readonly arn: string;
  readonly client: KMSClient;
}

export type Statement = Record<string, unknown>;

export function policy(...statements: Statement[]): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

/** The key policy's "Enable IAM User Permissions" statement (AWS's default key policy). */
export function rootStatement(account = ACCOUNT_A): Statement {
  return { Sid: "Enable IAM User Permissions", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: "kms:*", Resource: "*" };
}

/**
 * The key policy the AWS console writes for a key with key administrators and key users
 * (KMS developer guide, "Default key policy": "Allows key administrators to administer the KMS
 * key", "Allows key users to use the KMS key", "Allows key users to use the KMS key with AWS
 * services").
 */
export function consoleKeyPolicy(admins: readonly string[], users: readonly string[], account = ACCOUNT_A): string {
  return JSON.stringify({
    Id: "key-consolepolicy-3",
    Version: "2012-10-17",
    Statement: [
      rootStatement(account),
      {
        Sid: "Allow access for Key Administrators",
        Effect: "Allow",
        Principal: { AWS: [...admins] },
        Action: [
          "kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*", "kms:Revoke*", "kms:Disable*",
          "kms:Get*", "kms:Delete*", "kms:TagResource", "kms:UntagResource", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion",
          "kms:RotateKeyOnDemand",
        ],
        Resource: "*",
      },
      {
        Sid: "Allow use of the key",
        Effect: "Allow",
        Principal: { AWS: [...users] },
        Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
        Resource: "*",
      },
      {
        Sid: "Allow attachment of persistent resources",
        Effect: "Allow",
        Principal: { AWS: [...users] },
        Action: ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
        Resource: "*",
        Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } },
      },
    ],
  });
}

export type DenyKind = "no-identity" | "no-resource" | "explicit-identity" | "explicit-resource";

/** A value known only once the test file's set-up has run (a key ARN), or known now. */
export type Lazy = string | (() => string);

const force = (v: Lazy): string => (typeof v === "function" ? v() : v);

export function userArn(name: string, account = ACCOUNT_A): string {
  return `arn:aws:iam::${account}:user/${name}`;
}

export function roleArn(name: string, account = ACCOUNT_A): string {
  return `arn:aws:iam::${account}:role/${name}`;
}

/** The expectation of an AccessDeniedException with AWS's message for this principal, action and resource. */
export function denied(principal: Lazy, action: string, resource: Lazy | undefined, kind: DenyKind): { readonly denied: () => string } {
  return { denied: () => deniedMessage(force(principal), action, resource === undefined ? undefined : force(resource), kind) };
}

/** AWS's AccessDeniedException message (IAM User Guide, "Troubleshoot access denied error messages"). */
export function deniedMessage(principal: string, action: string, resource: string | undefined, kind: DenyKind): string {
  const on = resource === undefined ? "on the resource associated with this ciphertext" : `on resource: ${resource}`;
  const tail =
    kind === "no-identity"
      ? `because no identity-based policy allows the ${action} action`
      : kind === "no-resource"
        ? `because no resource-based policy allows the ${action} action`
        : kind === "explicit-identity"
          ? "with an explicit deny in an identity-based policy"
          : "with an explicit deny in a resource-based policy";
  return `User: ${principal} is not authorized to perform: ${action} ${on} ${tail}`;
}

export function keyArnOf(keyId: string, account = ACCOUNT_A, region = REGION): string {
  return `arn:aws:kms:${region}:${account}:key/${keyId}`;
}

export interface World {
  readonly h: Harness;
  readonly ids: Identities;
  /** The dev account's root (access key test/test). */
  readonly rootA: Principal;
  user(name: string, policies?: Record<string, string>, account?: string): Promise<Principal>;
  role(name: string, policies?: Record<string, string>, account?: string): Promise<Principal>;
  /** The root principal of an account created on first use, with an access key. */
  accountRoot(account: string): Promise<Principal>;
  createKey(input: CreateKeyCommandInput, by?: Principal): Promise<string>;
  stop(): Promise<void>;
}

/** Starts one Trent for a test file, with helpers that make real principals with real access keys. */
export async function startWorld(deps: TrentDeps = {}): Promise<World> {
  const h = await startTrent(deps);
  const ids = new Identities(h.trent.store, h.trent.keystore);
  const roots = new Map<string, Principal>();
  const client = (k: { accessKeyId: string; secretAccessKey: string }): KMSClient => h.client({ accessKeyId: k.accessKeyId, secretAccessKey: k.secretAccessKey });
  const ensureAccount = async (account: string): Promise<void> => {
    if ((await h.trent.store.getAccount(account)) === undefined) await ids.createAccount(account);
  };
  const principal = async (type: "IAMUser" | "Role", name: string, policies: Record<string, string>, account: string): Promise<Principal> => {
    await ensureAccount(account);
    const p = await ids.createPrincipal(account, type, name);
    for (const [n, doc] of Object.entries(policies)) await ids.putPolicy(p.arn, n, doc);
    return { arn: p.arn, client: client(await ids.createAccessKey(p.arn)) };
  };
  const rootA: Principal = { arn: ROOT_A, client: h.client() };
  roots.set(ACCOUNT_A, rootA);
  return {
    h,
    ids,
    rootA,
    user: (name, policies = {}, account = ACCOUNT_A) => principal("IAMUser", name, policies, account),
    role: (name, policies = {}, account = ACCOUNT_A) => principal("Role", name, policies, account),
    async accountRoot(account) {
      const known = roots.get(account);
      if (known !== undefined) return known;
      await ensureAccount(account);
      const arn = `arn:aws:iam::${account}:root`;
      const p = { arn, client: client(await ids.createAccessKey(arn)) };
      roots.set(account, p);
      return p;
    },
    async createKey(input, by = rootA) {
      const r = await by.client.send(new CreateKeyCommand(input));
      const id = r.KeyMetadata?.KeyId;
      if (id === undefined) throw new Error("CreateKey returned no key id");
      return id;
    },
    stop: () => h.stop(),
  };
}

export interface WorldFixture extends World {
  /** Principals by the test file's short names, filled by its set-up. */
  readonly p: Record<string, Principal>;
  /** Key ids by the test file's short names, filled by its set-up. */
  readonly k: Record<string, string>;
  /** The key id named `name` ("" before the set-up made it). */
  key(name: string): string;
  /** The ARN of the key named `name`, read when a case runs (after the set-up). */
  arn(name: string): () => string;
  /** The principal named `name`; throws for one the set-up did not make. */
  who(name: string): Principal;
}

/**
 * One World for the whole test file: started by a `setup` step (harness.ts; the file's own `setup`
 * steps registered after this call find it running), stopped by an `after` hook. The World's
 * members are usable from inside set-up steps, hooks and tests; before it started, they throw.
 */
export function useWorld(deps: TrentDeps = {}): WorldFixture {
  const get = useFixture("useWorld", () => startWorld(deps), (w) => w.stop());
  const p: Record<string, Principal> = {};
  const k: Record<string, string> = {};
  const key = (name: string): string => k[name] ?? "";
  return {
    get h() {
      return get().h;
    },
    get ids() {
      return get().ids;
    },
    get rootA() {
      return get().rootA;
    },
    user: (name, policies, account) => get().user(name, policies, account),
    role: (name, policies, account) => get().role(name, policies, account),
    accountRoot: (account) => get().accountRoot(account),
    createKey: (input, by) => get().createKey(input, by),
    stop: () => get().stop(),
    p,
    k,
    key,
    arn: (name) => () => keyArnOf(key(name)),
    who: (name) => {
      const x = p[name];
      if (x === undefined) throw new Error(`no principal ${name}`);
      return x;
    },
  };
}

/** What a case expects: success, AWS's AccessDeniedException message, or another error. */
export type Expect = "allow" | { readonly denied: () => string } | { readonly error: string; readonly message?: string | RegExp };

export interface Case {
  readonly title: string;
  readonly call: () => Promise<unknown>;
  readonly expect: Expect;
}

/** Runs one case: a real API call with a real access key, and its outcome checked exactly. */
export async function check(c: Case): Promise<void> {
  let error: (Error & { name: string }) | undefined;
  try {
    await c.call();
  } catch (e) {
    error = e as Error & { name: string };
  }
  const x = c.expect;
  if (x === "allow") {
    assert.equal(error, undefined, `expected success, got ${error?.name}: ${error?.message}`);
  } else if ("denied" in x) {
    assert.ok(error !== undefined, "expected AccessDeniedException, but the call succeeded");
    assert.equal(error.name, "AccessDeniedException", `${error.name}: ${error.message}`);
    assert.equal(error.message, x.denied());
  } else {
    assert.ok(error !== undefined, `expected ${x.error}, but the call succeeded`);
    assert.equal(error.name, x.error, `${error.name}: ${error.message}`);
    if (typeof x.message === "string") assert.equal(error.message, x.message);
    else if (x.message !== undefined) assert.match(error.message, x.message);
  }
}

/** Registers each case of a table as its own test, run in order. Returns how many there were. */
export function table(cases: readonly Case[]): number {
  for (const c of cases) test(c.title, () => check(c));
  return cases.length;
}

/** An allow-all identity policy. */
export const ALLOW_ALL_KMS = policy({ Effect: "Allow", Action: "kms:*", Resource: "*" });

export function aliasArnOf(aliasName: string, account = ACCOUNT_A, region = REGION): string {
  return `arn:aws:kms:${region}:${account}:${aliasName}`;
}
