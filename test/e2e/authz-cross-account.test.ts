import {
  CreateAliasCommand,
  CreateGrantCommand,
  DisableKeyCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  ListGrantsCommand,
  PutKeyPolicyCommand,
  RevokeGrantCommand,
  ScheduleKeyDeletionCommand,
  TagResourceCommand,
} from "@aws-sdk/client-kms";
import { describe as suite } from "node:test";
import {
  ACCOUNT_B,
  denied,
  keyArnOf,
  policy,
  ROOT_B,
  rootStatement,
  table,
  userArn,
  useWorld,
} from "../support/authz.js";
import { setup } from "../support/harness.js";
import { ciphertext, dataKey, decrypt, describe, encrypt, reEncrypt } from "../support/kms-calls.js";

/**
 * A key of account A used by principals of account B (KMS developer guide, "Allowing users in
 * other accounts to use a KMS key"): the key policy must allow account B (or the principal), and
 * B's identity policies must allow the principal too. Only the operations the API reference marks
 * "Cross-account use: Yes" can be allowed at all.
 */

const w = useWorld();
const { p, k, key, arn, who } = w;
let blob: Uint8Array = new Uint8Array();
let grantId = "";

const arnOf = (name: string): string => keyArnOf(key(name));
const BX = userArn("bx", ACCOUNT_B);
const BY = userArn("by", ACCOUNT_B);
const BZ = userArn("bz", ACCOUNT_B);
const ALLOW_B = { Sid: "Allow account B", Effect: "Allow", Principal: { AWS: ROOT_B }, Action: "kms:*", Resource: "*" };

setup(async () => {
  p["bx"] = await w.user("bx", { useA: policy({ Effect: "Allow", Action: "kms:*", Resource: "arn:aws:kms:*:111122223333:key/*" }) }, ACCOUNT_B);
  p["by"] = await w.user("by", {}, ACCOUNT_B);
  p["bz"] = await w.user("bz", { decryptOnly: policy({ Effect: "Allow", Action: "kms:Decrypt", Resource: "*" }) }, ACCOUNT_B);
  p["rootB"] = await w.accountRoot(ACCOUNT_B);
  p["a1"] = await w.user("a1", { all: policy({ Effect: "Allow", Action: "kms:*", Resource: "*" }) });
  k["shared"] = await w.createKey({ Policy: policy(rootStatement(), ALLOW_B) });
  k["private"] = await w.createKey({});
  k["named"] = await w.createKey({
    Policy: policy(rootStatement(), { Sid: "bx and by", Effect: "Allow", Principal: { AWS: [BX, BY] }, Action: ["kms:Encrypt", "kms:Decrypt"], Resource: "*" }),
  });
  k["bKey"] = await w.createKey({}, p["rootB"]);
  blob = await ciphertext(w.rootA, key("shared"));
});

suite("account B uses account A's key: key policy allows B, B's IAM allows the user", () => {
  table([
    { title: "Encrypt with the key ARN", call: () => encrypt(who("bx"), arnOf("shared")), expect: "allow" },
    { title: "Decrypt, the key named by the ciphertext", call: () => decrypt(who("bx"), blob), expect: "allow" },
    { title: "Decrypt with the key ARN", call: () => decrypt(who("bx"), blob, arnOf("shared")), expect: "allow" },
    { title: "DescribeKey with the key ARN", call: () => describe(who("bx"), arnOf("shared")), expect: "allow" },
    { title: "GenerateDataKey with the key ARN", call: () => dataKey(who("bx"), arnOf("shared")), expect: "allow" },
    { title: "ReEncrypt from and to the key", call: () => reEncrypt(who("bx"), blob, arnOf("shared")), expect: "allow" },
    { title: "GetKeyRotationStatus is cross-account too", call: () => who("bx").client.send(new GetKeyRotationStatusCommand({ KeyId: arnOf("shared") })), expect: "allow" },
    {
      title: "the key id alone names a key of the caller's own account: NotFoundException",
      call: () => encrypt(who("bx"), key("shared")),
      expect: { error: "NotFoundException" },
    },
    {
      title: "PutKeyPolicy is not a cross-account operation, whatever the policies say",
      call: () => who("bx").client.send(new PutKeyPolicyCommand({ KeyId: arnOf("shared"), Policy: policy(rootStatement()) })),
      expect: denied(BX, "kms:PutKeyPolicy", arn("shared"), "no-resource"),
    },
    {
      title: "ScheduleKeyDeletion is not a cross-account operation",
      call: () => who("bx").client.send(new ScheduleKeyDeletionCommand({ KeyId: arnOf("shared"), PendingWindowInDays: 7 })),
      expect: denied(BX, "kms:ScheduleKeyDeletion", arn("shared"), "no-resource"),
    },
    {
      title: "DisableKey is not a cross-account operation",
      call: () => who("bx").client.send(new DisableKeyCommand({ KeyId: arnOf("shared") })),
      expect: denied(BX, "kms:DisableKey", arn("shared"), "no-resource"),
    },
    {
      title: "GetKeyPolicy is not a cross-account operation",
      call: () => who("bx").client.send(new GetKeyPolicyCommand({ KeyId: arnOf("shared") })),
      expect: denied(BX, "kms:GetKeyPolicy", arn("shared"), "no-resource"),
    },
    {
      title: "TagResource is not a cross-account operation",
      call: () => who("bx").client.send(new TagResourceCommand({ KeyId: arnOf("shared"), Tags: [{ TagKey: "a", TagValue: "b" }] })),
      expect: denied(BX, "kms:TagResource", arn("shared"), "no-resource"),
    },
    {
      title: "CreateAlias for another account's key is not a cross-account operation",
      call: () => who("bx").client.send(new CreateAliasCommand({ AliasName: "alias/borrowed", TargetKeyId: arnOf("shared") })),
      expect: denied(BX, "kms:CreateAlias", arn("shared"), "no-resource"),
    },
    {
      title: "a user of B without an identity policy is denied: the key policy alone is not enough",
      call: () => encrypt(who("by"), arnOf("shared")),
      expect: denied(BY, "kms:Encrypt", arn("shared"), "no-identity"),
    },
    {
      title: "a Decrypt of a ciphertext by a user of B without an identity policy is worded for the ciphertext",
      call: () => decrypt(who("by"), blob),
      expect: denied(BY, "kms:Decrypt", undefined, "no-identity"),
    },
    { title: "an identity policy allowing only Decrypt allows Decrypt", call: () => decrypt(who("bz"), blob, arnOf("shared")), expect: "allow" },
    {
      title: "the same identity policy does not allow Encrypt",
      call: () => encrypt(who("bz"), arnOf("shared")),
      expect: denied(BZ, "kms:Encrypt", arn("shared"), "no-identity"),
    },
    { title: "B's root user needs no identity policy", call: () => encrypt(who("rootB"), arnOf("shared")), expect: "allow" },
    {
      title: "B's root user cannot use a key whose policy does not name B",
      call: () => encrypt(who("rootB"), arnOf("private")),
      expect: denied(ROOT_B, "kms:Encrypt", arn("private"), "no-resource"),
    },
    {
      title: "an IAM policy in B does not open a key whose policy does not name B",
      call: () => encrypt(who("bx"), arnOf("private")),
      expect: denied(BX, "kms:Encrypt", arn("private"), "no-resource"),
    },
  ]);
});

suite("a key policy naming users of account B", () => {
  table([
    { title: "a named user of B with an identity policy may encrypt", call: () => encrypt(who("bx"), arnOf("named")), expect: "allow" },
    {
      title: "a named user of B without an identity policy still needs one",
      call: () => encrypt(who("by"), arnOf("named")),
      expect: denied(BY, "kms:Encrypt", arn("named"), "no-identity"),
    },
    {
      title: "a named user may do only the listed actions",
      call: () => describe(who("bx"), arnOf("named")),
      expect: denied(BX, "kms:DescribeKey", arn("named"), "no-resource"),
    },
  ]);
});

suite("grants across accounts", () => {
  table([
    {
      title: "a user of B creates a grant on A's key (CreateGrant is cross-account)",
      call: async () => {
        const r = await who("bx").client.send(new CreateGrantCommand({ KeyId: arnOf("shared"), GranteePrincipal: BY, Operations: ["Encrypt"] }));
        grantId = r.GrantId ?? "";
      },
      expect: "allow",
    },
    { title: "the grantee of B uses A's key through the grant without any policy", call: () => encrypt(who("by"), arnOf("shared")), expect: "allow" },
    { title: "the user of B lists the grants of A's key", call: () => who("bx").client.send(new ListGrantsCommand({ KeyId: arnOf("shared") })), expect: "allow" },
    {
      title: "a user of B without permissions may not list them",
      call: () => who("by").client.send(new ListGrantsCommand({ KeyId: arnOf("shared") })),
      expect: denied(BY, "kms:ListGrants", arn("shared"), "no-identity"),
    },
    { title: "the user of B revokes the grant (RevokeGrant is cross-account)", call: () => who("bx").client.send(new RevokeGrantCommand({ KeyId: arnOf("shared"), GrantId: grantId })), expect: "allow" },
    {
      title: "once revoked, the grantee is denied again",
      call: () => encrypt(who("by"), arnOf("shared")),
      expect: denied(BY, "kms:Encrypt", arn("shared"), "no-identity"),
    },
  ]);
});

suite("the other direction: account A's user and account B's key", () => {
  table([
    {
      title: "a user of A with kms:* in IAM cannot use B's key with B's default policy",
      call: () => encrypt(who("a1"), keyArnOf(key("bKey"), ACCOUNT_B)),
      expect: denied(userArn("a1"), "kms:Encrypt", () => keyArnOf(key("bKey"), ACCOUNT_B), "no-resource"),
    },
    { title: "B's root uses its own key", call: () => encrypt(who("rootB"), key("bKey")), expect: "allow" },
  ]);
});
