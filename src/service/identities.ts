import { randomBytes, randomInt } from "node:crypto";
import { compileTrustPolicy, defaultTrustPolicy } from "../policy/trust-policy.js";
import { accessKeyBinding } from "../api/credentials.js";
import { SecretBytes } from "../crypto/secret-bytes.js";
import { accountRootArn } from "../domain/arn.js";
import type { Keystore } from "../keystore/keystore.js";
import type { AccessKeyRecord, PrincipalRecord, PrincipalType, Store } from "../store/store.js";

/** Operator-facing errors (CLI and admin API); messages are safe to print. */
export class IdentityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "IdentityError";
  }
}

const NAME_RE = /^[\w+=,.@-]{1,64}$/;
const ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

function randomId(prefix: string, length: number): string {
  let s = prefix;
  while (s.length < length) s += ID_CHARS[randomInt(ID_CHARS.length)];
  return s;
}

export interface NewAccessKey {
  readonly accessKeyId: string;
  /** Shown once to the operator; stored only wrapped under the root. */
  readonly secretAccessKey: string;
  readonly principalArn: string;
}

/** Accounts, IAM users and roles, their access keys and identity policies. */
export class Identities {
  constructor(
    private readonly store: Store,
    private readonly keystore: Keystore,
    private readonly now: () => number = Date.now,
  ) {}

  async createAccount(accountId?: string): Promise<{ accountId: string; rootArn: string }> {
    const id = accountId ?? String(randomInt(100_000, 1_000_000)) + String(randomInt(100_000, 1_000_000));
    if (!/^\d{12}$/.test(id)) throw new IdentityError("an account id is 12 digits");
    if (await this.store.getAccount(id)) throw new IdentityError(`account ${id} already exists`);
    const now = this.now();
    await this.store.putAccount({ accountId: id, createdAt: now });
    const rootArn = accountRootArn(id);
    await this.store.putPrincipal({ arn: rootArn, accountId: id, type: "Root", name: "root", principalId: id, createdAt: now, policies: {} });
    return { accountId: id, rootArn };
  }

  /**
   * Deletes an account with its principals and their access keys. Refused while the account has
   * keys in any region and state: schedule their deletion and wait for it first (a key's policy
   * and grants may still name the account's principals).
   */
  async deleteAccount(accountId: string): Promise<void> {
    if (!(await this.store.getAccount(accountId))) throw new IdentityError(`account ${accountId} does not exist`);
    if (await this.store.accountHasKeys(accountId)) {
      throw new IdentityError(`account ${accountId} still has keys; schedule their deletion and wait until they are deleted`);
    }
    if (!(await this.store.deleteAccount(accountId))) throw new IdentityError(`account ${accountId} does not exist`);
  }

  async createPrincipal(accountId: string, type: Exclude<PrincipalType, "Root">, name: string, trustPolicy?: string): Promise<PrincipalRecord> {
    if (trustPolicy !== undefined) {
      if (type !== "Role") throw new IdentityError("only roles have a trust policy");
      checkTrustPolicy(trustPolicy);
    }
    if (!(await this.store.getAccount(accountId))) throw new IdentityError(`account ${accountId} does not exist`);
    if (!NAME_RE.test(name)) throw new IdentityError(`invalid ${type === "IAMUser" ? "user" : "role"} name ${name}`);
    const arn = `arn:aws:iam::${accountId}:${type === "IAMUser" ? "user" : "role"}/${name}`;
    if (await this.store.getPrincipal(arn)) throw new IdentityError(`${arn} already exists`);
    const p: PrincipalRecord = {
      arn,
      accountId,
      type,
      name,
      principalId: randomId(type === "IAMUser" ? "AIDA" : "AROA", 21),
      createdAt: this.now(),
      policies: {},
      ...(trustPolicy !== undefined ? { trustPolicy } : {}),
    };
    await this.store.putPrincipal(p);
    return p;
  }

  async principal(arn: string): Promise<PrincipalRecord> {
    const p = await this.store.getPrincipal(arn);
    if (!p) throw new IdentityError(`${arn} does not exist`);
    return p;
  }

  async deletePrincipal(arn: string): Promise<void> {
    const p = await this.principal(arn);
    if (p.type === "Root") throw new IdentityError("the account root cannot be deleted; delete the account");
    await this.store.deletePrincipal(arn);
    // Its STS sessions end with it (they are refused anyway once the role is gone: see resolveSession).
    if (p.type === "Role") await this.store.deleteRoleSessionsOf(arn);
  }

  async createAccessKey(principalArn: string, fixed?: { accessKeyId: string; secretAccessKey: string }): Promise<NewAccessKey> {
    const p = await this.principal(principalArn);
    const accessKeyId = fixed?.accessKeyId ?? randomId("AKIA", 20);
    if (await this.store.getAccessKey(accessKeyId)) throw new IdentityError(`access key ${accessKeyId} already exists`);
    const secretAccessKey = fixed?.secretAccessKey ?? randomBytes(30).toString("base64").replace(/[+/]/g, "A");
    const secret = SecretBytes.copyOf(Buffer.from(secretAccessKey, "utf8"));
    try {
      const rec: AccessKeyRecord = {
        accessKeyId,
        principalArn: p.arn,
        accountId: p.accountId,
        secret: await this.keystore.wrap(secret, accessKeyBinding(accessKeyId)),
        createdAt: this.now(),
        status: "Active",
      };
      await this.store.putAccessKey(rec);
    } finally {
      secret.dispose();
    }
    return { accessKeyId, secretAccessKey, principalArn: p.arn };
  }

  async deleteAccessKey(accessKeyId: string): Promise<void> {
    if (!(await this.store.deleteAccessKey(accessKeyId))) throw new IdentityError(`access key ${accessKeyId} does not exist`);
  }

  async putPolicy(principalArn: string, name: string, document: string): Promise<void> {
    const p = await this.principal(principalArn);
    if (p.type === "Root") throw new IdentityError("identity policies attach to users and roles, not to the account root");
    if (!NAME_RE.test(name)) throw new IdentityError(`invalid policy name ${name}`);
    try {
      JSON.parse(document);
    } catch {
      throw new IdentityError("the policy document is not valid JSON");
    }
    await this.store.putPrincipal({ ...p, policies: { ...p.policies, [name]: document } });
  }

  /** Replaces a role's trust policy (AssumeRolePolicyDocument). */
  async putTrustPolicy(roleArn: string, document: string): Promise<void> {
    const p = await this.principal(roleArn);
    if (p.type !== "Role") throw new IdentityError("only roles have a trust policy");
    checkTrustPolicy(document);
    await this.store.putPrincipal({ ...p, trustPolicy: document });
  }

  /** A role's trust policy: its own, or the default (its own account). */
  async trustPolicy(roleArn: string): Promise<string> {
    const p = await this.principal(roleArn);
    if (p.type !== "Role") throw new IdentityError("only roles have a trust policy");
    return p.trustPolicy ?? defaultTrustPolicy(p.accountId);
  }

  async deletePolicy(principalArn: string, name: string): Promise<void> {
    const p = await this.principal(principalArn);
    if (!(name in p.policies)) throw new IdentityError(`${principalArn} has no policy named ${name}`);
    const { [name]: _gone, ...rest } = p.policies;
    await this.store.putPrincipal({ ...p, policies: rest });
  }
}

function checkTrustPolicy(document: string): void {
  try {
    compileTrustPolicy(document);
  } catch (e) {
    throw new IdentityError(`MalformedPolicyDocument: ${e instanceof Error ? e.message : "invalid trust policy"}`);
  }
}
