import {
  CreateGrantCommand,
  DescribeKeyCommand,
  EncryptCommand,
  ListGrantsCommand,
  RetireGrantCommand,
  RevokeGrantCommand,
  type CreateGrantCommandInput,
} from "@aws-sdk/client-kms";
import assert from "node:assert/strict";
import { describe as suite } from "node:test";
import {
  ACCOUNT_B,
  consoleKeyPolicy,
  denied,
  keyArnOf,
  policy,
  roleArn,
  ROOT_B,
  table,
  userArn,
  useWorld,
  type Principal,
} from "../support/authz.js";
import { setup } from "../support/harness.js";
import { ciphertext, dataKey, decrypt, describe, encrypt, PLAINTEXT } from "../support/kms-calls.js";

/**
 * Grants (KMS developer guide, "Grants in AWS KMS"): a grant allows its grantee the listed
 * operations without key policy or IAM permission, within its encryption context constraints;
 * an account grantee delegates to the account's IAM policies; grant tokens; who may retire and
 * revoke; grants made from a grant stay within it; DryRun.
 */

const w = useWorld();
const { p, who } = w;
let KG = "";
let blob: Uint8Array = new Uint8Array();
let blobFin: Uint8Array = new Uint8Array();
const g: Record<string, { id: string; token: string }> = {};

const arn = (): string => keyArnOf(KG);
const grant = (name: string): { id: string; token: string } => g[name] ?? { id: "", token: "" };

async function make(name: string, input: Omit<CreateGrantCommandInput, "KeyId">, by: Principal = w.rootA): Promise<void> {
  const r = await by.client.send(new CreateGrantCommand({ KeyId: KG, ...input }));
  g[name] = { id: r.GrantId ?? "", token: r.GrantToken ?? "" };
}

setup(async () => {
  for (const u of ["gl", "gl2", "gl3", "gl4", "gr", "gx", "alice", "bob"]) p[u] = await w.user(u);
  p["gi"] = await w.user("gi", { retire: policy({ Effect: "Allow", Action: "kms:RetireGrant", Resource: "*" }) });
  p["role"] = await w.role("GrantRole");
  p["gB"] = await w.user("gb", {}, ACCOUNT_B);
  p["gB2"] = await w.user("gb2", { d: policy({ Effect: "Allow", Action: "kms:Decrypt", Resource: "*" }) }, ACCOUNT_B);
  p["rootB"] = await w.accountRoot(ACCOUNT_B);
  KG = await w.createKey({ Policy: consoleKeyPolicy([userArn("alice")], [userArn("bob")]) });
  await make("g1", { GranteePrincipal: userArn("gl"), RetiringPrincipal: userArn("gr"), Operations: ["Encrypt", "Decrypt", "DescribeKey"] });
  await make("g2", { GranteePrincipal: userArn("gl2"), Operations: ["Encrypt", "Decrypt", "DescribeKey", "RetireGrant"], Constraints: { EncryptionContextSubset: { dept: "fin" } } });
  await make("g3", { GranteePrincipal: userArn("gl3"), Operations: ["Encrypt", "Decrypt"], Constraints: { EncryptionContextEquals: { dept: "fin" } } });
  await make("g4", { GranteePrincipal: ROOT_B, Operations: ["Decrypt", "DescribeKey"] });
  await make("g5", { GranteePrincipal: roleArn("GrantRole"), Operations: ["Encrypt"] });
  await make("g6", { GranteePrincipal: userArn("gl4"), Operations: ["Encrypt", "CreateGrant", "DescribeKey"], Constraints: { EncryptionContextSubset: { team: "a" } } });
  blob = await ciphertext(w.rootA, KG);
  blobFin = await ciphertext(w.rootA, KG, { dept: "fin" });
});

const createBy = (name: string, input: Omit<CreateGrantCommandInput, "KeyId">, extra: Partial<CreateGrantCommandInput> = {}) => () =>
  who(name).client.send(new CreateGrantCommand({ KeyId: KG, ...input, ...extra }));

suite("a grant allows its grantee the operations it lists", () => {
  table([
    { title: "the grantee encrypts without key policy or IAM permission", call: () => encrypt(who("gl"), KG), expect: "allow" },
    { title: "the grantee decrypts", call: () => decrypt(who("gl"), blob), expect: "allow" },
    { title: "the grantee describes the key", call: () => describe(who("gl"), KG), expect: "allow" },
    {
      title: "an operation the grant does not list is denied",
      call: () => dataKey(who("gl"), KG),
      expect: denied(userArn("gl"), "kms:GenerateDataKey", arn, "no-identity"),
    },
    { title: "another principal gets nothing from the grant", call: () => encrypt(who("gx"), KG), expect: denied(userArn("gx"), "kms:Encrypt", arn, "no-identity") },
    { title: "a grant to a role allows the role", call: () => encrypt(who("role"), KG), expect: "allow" },
  ]);
});

suite("grant constraints", () => {
  table([
    { title: "EncryptionContextSubset: the pairs plus others are allowed", call: () => encrypt(who("gl2"), KG, { dept: "fin", project: "x" }), expect: "allow" },
    { title: "EncryptionContextSubset: the context keys match case-insensitively", call: () => encrypt(who("gl2"), KG, { Dept: "fin" }), expect: "allow" },
    { title: "EncryptionContextSubset: another value is denied", call: () => encrypt(who("gl2"), KG, { dept: "hr" }), expect: denied(userArn("gl2"), "kms:Encrypt", arn, "no-identity") },
    { title: "EncryptionContextSubset: no context is denied", call: () => encrypt(who("gl2"), KG), expect: denied(userArn("gl2"), "kms:Encrypt", arn, "no-identity") },
    { title: "EncryptionContextSubset: Decrypt with the context is allowed", call: () => decrypt(who("gl2"), blobFin, KG, { dept: "fin" }), expect: "allow" },
    { title: "a constraint does not apply to DescribeKey", call: () => describe(who("gl2"), KG), expect: "allow" },
    { title: "EncryptionContextEquals: exactly the pairs are allowed", call: () => encrypt(who("gl3"), KG, { dept: "fin" }), expect: "allow" },
    { title: "EncryptionContextEquals: an extra pair is denied", call: () => encrypt(who("gl3"), KG, { dept: "fin", project: "x" }), expect: denied(userArn("gl3"), "kms:Encrypt", arn, "no-identity") },
  ]);
});

suite("a grant to another account", () => {
  table([
    { title: "the account's root user uses the key through the grant", call: () => decrypt(who("rootB"), blob, keyArnOf(KG)), expect: "allow" },
    { title: "a user of the account with an identity policy allowing Decrypt uses it too", call: () => decrypt(who("gB2"), blob, keyArnOf(KG)), expect: "allow" },
    {
      title: "a user of the account without one does not",
      call: () => decrypt(who("gB"), blob, keyArnOf(KG)),
      expect: denied(userArn("gb", ACCOUNT_B), "kms:Decrypt", arn, "no-resource"),
    },
  ]);
});

suite("grant tokens", () => {
  table([
    { title: "a request may carry the grant's token", call: () => who("gl").client.send(new EncryptCommand({ KeyId: KG, Plaintext: PLAINTEXT, GrantTokens: [grant("g1").token] })), expect: "allow" },
    {
      title: "a string Trent did not issue is InvalidGrantTokenException",
      call: () => who("gl").client.send(new EncryptCommand({ KeyId: KG, Plaintext: PLAINTEXT, GrantTokens: ["not-a-grant-token"] })),
      expect: { error: "InvalidGrantTokenException", message: "The grant token is not valid." },
    },
    {
      title: "a damaged token is InvalidGrantTokenException",
      call: () => {
        const t = grant("g1").token;
        const damaged = `${t.slice(0, 10)}${t[10] === "A" ? "B" : "A"}${t.slice(11)}`;
        return who("gl").client.send(new DescribeKeyCommand({ KeyId: KG, GrantTokens: [damaged] }));
      },
      expect: { error: "InvalidGrantTokenException" },
    },
    {
      title: "more than 10 tokens is a ValidationException",
      call: () => who("gl").client.send(new EncryptCommand({ KeyId: KG, Plaintext: PLAINTEXT, GrantTokens: Array.from({ length: 11 }, () => grant("g1").token) })),
      expect: { error: "ValidationException", message: /at 'grantTokens' failed to satisfy constraint: Member must have length less than or equal to 10/ },
    },
  ]);
});

suite("grants made from a grant stay within it", () => {
  table([
    {
      title: "a grantee with CreateGrant creates a grant with fewer operations and a stricter constraint",
      call: createBy("gl4", { GranteePrincipal: userArn("gx"), Operations: ["Encrypt"], Constraints: { EncryptionContextSubset: { team: "a", x: "y" } } }),
      expect: "allow",
    },
    { title: "its grantee then encrypts within the constraint", call: () => encrypt(who("gx"), KG, { team: "a", x: "y" }), expect: "allow" },
    {
      title: "an operation the parent grant does not allow is refused",
      call: createBy("gl4", { GranteePrincipal: userArn("gx"), Operations: ["Encrypt", "Decrypt"], Constraints: { EncryptionContextSubset: { team: "a" } } }),
      expect: { error: "AccessDeniedException", message: /is not authorized to perform: kms:CreateGrant .*\(the parent grant does not allow \[Decrypt\]\)$/ },
    },
    {
      title: "dropping the parent's constraint is refused",
      call: createBy("gl4", { GranteePrincipal: userArn("gx"), Operations: ["Encrypt"] }),
      expect: { error: "AccessDeniedException", message: /EncryptionContextSubset constraint is not kept\)$/ },
    },
    {
      title: "loosening it to another value is refused",
      call: createBy("gl4", { GranteePrincipal: userArn("gx"), Operations: ["Encrypt"], Constraints: { EncryptionContextSubset: { team: "b" } } }),
      expect: { error: "AccessDeniedException" },
    },
  ]);
});

suite("who may retire a grant", () => {
  table([
    {
      title: "a principal the grant does not name may not retire it",
      call: () => who("gx").client.send(new RetireGrantCommand({ KeyId: KG, GrantId: grant("g1").id })),
      expect: denied(userArn("gx"), "kms:RetireGrant", arn, "no-identity"),
    },
    {
      title: "the grantee may not retire a grant that does not list RetireGrant",
      call: () => who("gl").client.send(new RetireGrantCommand({ KeyId: KG, GrantId: grant("g1").id })),
      expect: denied(userArn("gl"), "kms:RetireGrant", arn, "no-identity"),
    },
    { title: "the retiring principal may", call: () => who("gr").client.send(new RetireGrantCommand({ KeyId: KG, GrantId: grant("g1").id })), expect: "allow" },
    { title: "the retired grant's permissions are gone", call: () => encrypt(who("gl"), KG), expect: denied(userArn("gl"), "kms:Encrypt", arn, "no-identity") },
    {
      title: "a retired grant's token is InvalidGrantTokenException",
      call: () => who("gl").client.send(new DescribeKeyCommand({ KeyId: KG, GrantTokens: [grant("g1").token] })),
      expect: { error: "InvalidGrantTokenException" },
    },
    {
      title: "retiring it again is NotFoundException",
      call: () => w.rootA.client.send(new RetireGrantCommand({ KeyId: KG, GrantId: grant("g1").id })),
      expect: { error: "NotFoundException" },
    },
    { title: "the grantee may retire a grant that lists RetireGrant, by its token", call: () => who("gl2").client.send(new RetireGrantCommand({ GrantToken: grant("g2").token })), expect: "allow" },
    { title: "the root user of the account that created the grant may retire it", call: () => w.rootA.client.send(new RetireGrantCommand({ KeyId: KG, GrantId: grant("g3").id })), expect: "allow" },
    { title: "a user of that account with kms:RetireGrant in an identity policy may too", call: () => who("gi").client.send(new RetireGrantCommand({ KeyId: KG, GrantId: grant("g5").id })), expect: "allow" },
    {
      title: "a user of another account, named nowhere in the grant, may not",
      call: () => who("gB").client.send(new RetireGrantCommand({ KeyId: keyArnOf(KG), GrantId: grant("g4").id })),
      expect: denied(userArn("gb", ACCOUNT_B), "kms:RetireGrant", arn, "no-identity"),
    },
    {
      title: "the grantee account's root may not retire a grant that does not list RetireGrant",
      call: () => who("rootB").client.send(new RetireGrantCommand({ KeyId: keyArnOf(KG), GrantId: grant("g4").id })),
      expect: denied(ROOT_B, "kms:RetireGrant", arn, "no-identity"),
    },
  ]);
});

suite("who may revoke a grant: kms:RevokeGrant in the key policy or IAM", () => {
  table([
    {
      title: "the grantee may not revoke it",
      call: () => who("gl4").client.send(new RevokeGrantCommand({ KeyId: KG, GrantId: grant("g6").id })),
      expect: denied(userArn("gl4"), "kms:RevokeGrant", arn, "no-identity"),
    },
    {
      title: "a key user of the console policy may not (the statement requires kms:GrantIsForAWSResource)",
      call: () => who("bob").client.send(new RevokeGrantCommand({ KeyId: KG, GrantId: grant("g6").id })),
      expect: denied(userArn("bob"), "kms:RevokeGrant", arn, "no-identity"),
    },
    {
      title: "a RevokeGrant dry run by the key administrator answers DryRunOperationException",
      call: () => who("alice").client.send(new RevokeGrantCommand({ KeyId: KG, GrantId: grant("g6").id, DryRun: true })),
      expect: { error: "DryRunOperationException" },
    },
    { title: "the key administrator (kms:Revoke*) may revoke it", call: () => who("alice").client.send(new RevokeGrantCommand({ KeyId: KG, GrantId: grant("g6").id })), expect: "allow" },
    {
      title: "revoking an unknown grant is NotFoundException",
      call: () => who("alice").client.send(new RevokeGrantCommand({ KeyId: KG, GrantId: "0".repeat(64) })),
      expect: { error: "NotFoundException" },
    },
  ]);
});

suite("DryRun on grant operations", () => {
  let before0 = 0;
  table([
    {
      title: "an allowed CreateGrant dry run answers DryRunOperationException",
      call: async () => {
        before0 = (await w.rootA.client.send(new ListGrantsCommand({ KeyId: KG }))).Grants?.length ?? 0;
        return w.rootA.client.send(new CreateGrantCommand({ KeyId: KG, GranteePrincipal: userArn("gx"), Operations: ["Decrypt"], DryRun: true }));
      },
      expect: { error: "DryRunOperationException" },
    },
    {
      title: "and creates nothing",
      call: async () => {
        const after0 = (await w.rootA.client.send(new ListGrantsCommand({ KeyId: KG }))).Grants?.length ?? 0;
        assert.equal(after0, before0);
      },
      expect: "allow",
    },
    {
      title: "a denied CreateGrant dry run answers AccessDeniedException",
      call: () => who("gx").client.send(new CreateGrantCommand({ KeyId: KG, GranteePrincipal: userArn("gx"), Operations: ["Decrypt"], DryRun: true })),
      expect: denied(userArn("gx"), "kms:CreateGrant", arn, "no-identity"),
    },
    {
      title: "a CreateGrant dry run with an operation the key does not support answers the validation error",
      call: () => w.rootA.client.send(new CreateGrantCommand({ KeyId: KG, GranteePrincipal: userArn("gx"), Operations: ["Sign"], DryRun: true })),
      expect: { error: "ValidationException" },
    },
    {
      title: "a RetireGrant dry run by the retiring account answers DryRunOperationException",
      call: () => w.rootA.client.send(new RetireGrantCommand({ KeyId: KG, GrantId: grant("g4").id, DryRun: true })),
      expect: { error: "DryRunOperationException" },
    },
    {
      title: "and the grant is still there",
      call: async () => {
        const r = await w.rootA.client.send(new ListGrantsCommand({ KeyId: KG, GrantId: grant("g4").id }));
        assert.equal(r.Grants?.length, 1);
      },
      expect: "allow",
    },
  ]);
});
