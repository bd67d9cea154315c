import {
  CancelKeyDeletionCommand,
  CreateAliasCommand,
  CreateGrantCommand,
  CreateKeyCommand,
  DecryptCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  EnableKeyRotationCommand,
  EncryptCommand,
  GenerateDataKeyWithoutPlaintextCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  ListKeyPoliciesCommand,
  ListResourceTagsCommand,
  PutKeyPolicyCommand,
  ScheduleKeyDeletionCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateKeyDescriptionCommand,
} from "@aws-sdk/client-kms";
import { describe as suite } from "node:test";
import {
  ACCOUNT_B,
  ALLOW_ALL_KMS,
  consoleKeyPolicy,
  denied,
  keyArnOf,
  policy,
  ROOT_A,
  rootStatement,
  table,
  userArn,
  useWorld,
  type Principal,
} from "../support/authz.js";
import { setup } from "../support/harness.js";
import { ciphertext, dataKey, decrypt, describe, encrypt, PLAINTEXT, reEncrypt } from "../support/kms-calls.js";

/**
 * Key policies as the KMS developer guide writes them: the console's default policy with key
 * administrators and key users, a policy without the account statement, explicit denies, the
 * lockout safety check of CreateKey and PutKeyPolicy, and DryRun.
 */

const w = useWorld();
const { k } = w;
let alice: Principal; // key administrator
let bob: Principal; // key user
let carol: Principal; // neither, no IAM policy
let dave: Principal; // no key policy statement, an IAM policy allowing kms:*
let eve: Principal; // a user of account B
const blob: Record<string, Uint8Array> = {};
const LOCKOUT = "The new key policy will not allow you to update the key policy in the future.";
const INVALID_PRINCIPALS = "Policy contains a statement with one or more invalid principals.";

setup(async () => {
  alice = await w.user("alice");
  bob = await w.user("bob");
  carol = await w.user("carol");
  dave = await w.user("dave", { all: ALLOW_ALL_KMS });
  eve = await w.user("eve", {}, ACCOUNT_B);
  k["console"] = await w.createKey({ Policy: consoleKeyPolicy([alice.arn], [bob.arn]) });
  k["noRoot"] = await w.createKey({
    Policy: policy(
      { Sid: "Admin", Effect: "Allow", Principal: { AWS: alice.arn }, Action: "kms:*", Resource: "*" },
      { Sid: "Use", Effect: "Allow", Principal: { AWS: bob.arn }, Action: ["kms:Encrypt", "kms:Decrypt"], Resource: "*" },
    ),
    BypassPolicyLockoutSafetyCheck: true,
  });
  k["deny"] = await w.createKey({
    Policy: policy(
      rootStatement(),
      { Sid: "NoDecryptForDave", Effect: "Deny", Principal: { AWS: dave.arn }, Action: "kms:Decrypt", Resource: "*" },
      { Sid: "NeverDelete", Effect: "Deny", Principal: "*", Action: "kms:ScheduleKeyDeletion", Resource: "*" },
    ),
  });
  k["lockout"] = await w.createKey({ Policy: consoleKeyPolicy([alice.arn], [bob.arn]) });
  blob["console"] = await ciphertext(w.rootA, k["console"] ?? "");
  blob["deny"] = await ciphertext(w.rootA, k["deny"] ?? "");
  blob["noRoot"] = await ciphertext(bob, k["noRoot"] ?? "");
});

const key = (name: string): string => k[name] ?? "";
/** A key's ARN, once the set-up has created the key. */
const arn = (name: string) => (): string => keyArnOf(key(name));
const arnOf = (name: string): string => keyArnOf(key(name));
const ALICE = userArn("alice");
const BOB = userArn("bob");
const CAROL = userArn("carol");
const DAVE = userArn("dave");
const EVE = userArn("eve", ACCOUNT_B);

suite("the console's default key policy: key administrators and key users", () => {
  table([
    { title: "a key administrator may describe the key", call: () => describe(alice, key("console")), expect: "allow" },
    { title: "a key administrator may read the key policy", call: () => alice.client.send(new GetKeyPolicyCommand({ KeyId: key("console") })), expect: "allow" },
    { title: "a key administrator may list the key policies", call: () => alice.client.send(new ListKeyPoliciesCommand({ KeyId: key("console") })), expect: "allow" },
    { title: "a key administrator may update the description", call: () => alice.client.send(new UpdateKeyDescriptionCommand({ KeyId: key("console"), Description: "d" })), expect: "allow" },
    { title: "a key administrator may tag the key", call: () => alice.client.send(new TagResourceCommand({ KeyId: key("console"), Tags: [{ TagKey: "Team", TagValue: "Sec" }] })), expect: "allow" },
    { title: "a key administrator may list the key's tags", call: () => alice.client.send(new ListResourceTagsCommand({ KeyId: key("console") })), expect: "allow" },
    { title: "a key administrator may untag the key", call: () => alice.client.send(new UntagResourceCommand({ KeyId: key("console"), TagKeys: ["Team"] })), expect: "allow" },
    { title: "a key administrator may enable rotation (kms:Enable*)", call: () => alice.client.send(new EnableKeyRotationCommand({ KeyId: key("console") })), expect: "allow" },
    { title: "a key administrator may read the rotation status (kms:Get*)", call: () => alice.client.send(new GetKeyRotationStatusCommand({ KeyId: key("console") })), expect: "allow" },
    { title: "a key administrator may disable the key", call: () => alice.client.send(new DisableKeyCommand({ KeyId: key("console") })), expect: "allow" },
    { title: "a key administrator may enable the key", call: () => alice.client.send(new EnableKeyCommand({ KeyId: key("console") })), expect: "allow" },
    { title: "a key administrator may schedule the key's deletion", call: () => alice.client.send(new ScheduleKeyDeletionCommand({ KeyId: key("console"), PendingWindowInDays: 7 })), expect: "allow" },
    { title: "a key administrator may cancel the deletion", call: () => alice.client.send(new CancelKeyDeletionCommand({ KeyId: key("console") })), expect: "allow" },
    { title: "a key administrator may enable the key again after the cancelled deletion", call: () => alice.client.send(new EnableKeyCommand({ KeyId: key("console") })), expect: "allow" },
    { title: "a key administrator may put the key policy", call: () => alice.client.send(new PutKeyPolicyCommand({ KeyId: key("console"), Policy: consoleKeyPolicy([alice.arn], [bob.arn]) })), expect: "allow" },
    {
      title: "a key administrator may not encrypt: the account statement needs an IAM policy, and she has none",
      call: () => encrypt(alice, key("console")),
      expect: denied(ALICE, "kms:Encrypt", arn("console"), "no-identity"),
    },
    {
      title: "a key administrator may not decrypt",
      call: () => decrypt(alice, blob["console"] ?? new Uint8Array(), key("console")),
      expect: denied(ALICE, "kms:Decrypt", arn("console"), "no-identity"),
    },
    { title: "a key user may encrypt", call: () => encrypt(bob, key("console")), expect: "allow" },
    { title: "a key user may decrypt", call: () => decrypt(bob, blob["console"] ?? new Uint8Array()), expect: "allow" },
    { title: "a key user may generate a data key", call: () => dataKey(bob, key("console")), expect: "allow" },
    { title: "a key user may generate a data key without plaintext", call: () => bob.client.send(new GenerateDataKeyWithoutPlaintextCommand({ KeyId: key("console"), KeySpec: "AES_128" })), expect: "allow" },
    { title: "a key user may re-encrypt (kms:ReEncrypt* covers ReEncryptFrom and ReEncryptTo)", call: () => reEncrypt(bob, blob["console"] ?? new Uint8Array(), key("console")), expect: "allow" },
    { title: "a key user may describe the key", call: () => describe(bob, key("console")), expect: "allow" },
    {
      title: "a key user may not put the key policy",
      call: () => bob.client.send(new PutKeyPolicyCommand({ KeyId: key("console"), Policy: consoleKeyPolicy([bob.arn], [bob.arn]) })),
      expect: denied(BOB, "kms:PutKeyPolicy", arn("console"), "no-identity"),
    },
    {
      title: "a key user may not schedule the key's deletion",
      call: () => bob.client.send(new ScheduleKeyDeletionCommand({ KeyId: key("console"), PendingWindowInDays: 7 })),
      expect: denied(BOB, "kms:ScheduleKeyDeletion", arn("console"), "no-identity"),
    },
    {
      title: "a key user may not disable the key",
      call: () => bob.client.send(new DisableKeyCommand({ KeyId: key("console") })),
      expect: denied(BOB, "kms:DisableKey", arn("console"), "no-identity"),
    },
    {
      title: "a key user may not create an alias for the key",
      call: () => bob.client.send(new CreateAliasCommand({ AliasName: "alias/bobs", TargetKeyId: key("console") })),
      expect: denied(BOB, "kms:CreateAlias", arn("console"), "no-identity"),
    },
    {
      title: "a key user may not create a grant himself: the statement requires kms:GrantIsForAWSResource",
      call: () => bob.client.send(new CreateGrantCommand({ KeyId: key("console"), GranteePrincipal: bob.arn, Operations: ["Decrypt"] })),
      expect: denied(BOB, "kms:CreateGrant", arn("console"), "no-identity"),
    },
    {
      title: "a principal named nowhere, without IAM policy, may not encrypt",
      call: () => encrypt(carol, key("console")),
      expect: denied(CAROL, "kms:Encrypt", arn("console"), "no-identity"),
    },
    {
      title: "a principal named nowhere, without IAM policy, may not describe the key",
      call: () => describe(carol, key("console")),
      expect: denied(CAROL, "kms:DescribeKey", arn("console"), "no-identity"),
    },
    { title: "a user whose IAM policy allows kms:* may encrypt through the account statement", call: () => encrypt(dave, key("console")), expect: "allow" },
    { title: "a user whose IAM policy allows kms:* may disable the key through the account statement", call: () => dave.client.send(new DisableKeyCommand({ KeyId: key("console") })), expect: "allow" },
    { title: "a user whose IAM policy allows kms:* may enable it again", call: () => dave.client.send(new EnableKeyCommand({ KeyId: key("console") })), expect: "allow" },
    { title: "the account root user may encrypt without any IAM policy", call: () => encrypt(w.rootA, key("console")), expect: "allow" },
    {
      title: "a user of another account may not use the key: the policy names only this account",
      call: () => encrypt(eve, arnOf("console")),
      expect: denied(EVE, "kms:Encrypt", arn("console"), "no-resource"),
    },
  ]);
});

suite("a key policy without the account statement", () => {
  table([
    {
      title: "IAM policies give no access: an IAM policy allowing kms:* is not enough",
      call: () => encrypt(dave, key("noRoot")),
      expect: denied(DAVE, "kms:Encrypt", arn("noRoot"), "no-resource"),
    },
    {
      title: "the account root user has no access either",
      call: () => describe(w.rootA, key("noRoot")),
      expect: denied(ROOT_A, "kms:DescribeKey", arn("noRoot"), "no-resource"),
    },
    { title: "a user the policy names may encrypt without any IAM policy", call: () => encrypt(bob, key("noRoot")), expect: "allow" },
    { title: "a user the policy names may decrypt", call: () => decrypt(bob, blob["noRoot"] ?? new Uint8Array()), expect: "allow" },
    {
      title: "a named user may do only the actions listed for him",
      call: () => describe(bob, key("noRoot")),
      expect: denied(BOB, "kms:DescribeKey", arn("noRoot"), "no-resource"),
    },
    { title: "the administrator the policy names may describe the key", call: () => describe(alice, key("noRoot")), expect: "allow" },
  ]);
});

suite("explicit deny in the key policy", () => {
  table([
    { title: "a user allowed by IAM encrypts", call: () => encrypt(dave, key("deny")), expect: "allow" },
    {
      title: "a Deny naming the user wins over the account statement and his IAM policy",
      call: () => decrypt(dave, blob["deny"] ?? new Uint8Array(), key("deny")),
      expect: denied(DAVE, "kms:Decrypt", arn("deny"), "explicit-resource"),
    },
    {
      title: "a Deny for Principal * applies to the account root user",
      call: () => w.rootA.client.send(new ScheduleKeyDeletionCommand({ KeyId: key("deny"), PendingWindowInDays: 7 })),
      expect: denied(ROOT_A, "kms:ScheduleKeyDeletion", arn("deny"), "explicit-resource"),
    },
    {
      title: "the same Deny applies to a user whose IAM policy allows kms:*",
      call: () => dave.client.send(new ScheduleKeyDeletionCommand({ KeyId: key("deny"), PendingWindowInDays: 7 })),
      expect: denied(DAVE, "kms:ScheduleKeyDeletion", arn("deny"), "explicit-resource"),
    },
    { title: "the root user decrypts (the Deny names only dave)", call: () => decrypt(w.rootA, blob["deny"] ?? new Uint8Array()), expect: "allow" },
    { title: "actions the Deny does not name stay allowed", call: () => dave.client.send(new DisableKeyCommand({ KeyId: key("deny") })), expect: "allow" },
  ]);
});

suite("the key policy lockout safety check", () => {
  const onlyBob = (): string => policy({ Effect: "Allow", Principal: { AWS: bob.arn }, Action: "kms:*", Resource: "*" });
  table([
    {
      title: "PutKeyPolicy refuses a policy that would not let the caller put the policy again",
      call: () => alice.client.send(new PutKeyPolicyCommand({ KeyId: key("lockout"), Policy: onlyBob() })),
      expect: { error: "MalformedPolicyDocumentException", message: LOCKOUT },
    },
    {
      title: "PutKeyPolicy refuses a policy naming a user that does not exist",
      call: () =>
        alice.client.send(new PutKeyPolicyCommand({ KeyId: key("lockout"), Policy: policy(rootStatement(), { Effect: "Allow", Principal: { AWS: "arn:aws:iam::111122223333:user/nobody" }, Action: "kms:Encrypt", Resource: "*" }) })),
      expect: { error: "MalformedPolicyDocumentException", message: INVALID_PRINCIPALS },
    },
    {
      title: "PutKeyPolicy refuses a role of an account this Trent does not hold",
      call: () =>
        alice.client.send(new PutKeyPolicyCommand({ KeyId: key("lockout"), Policy: policy(rootStatement(), { Effect: "Allow", Principal: { AWS: "arn:aws:iam::999988887777:role/Ops" }, Action: "kms:Encrypt", Resource: "*" }) })),
      expect: { error: "MalformedPolicyDocumentException", message: INVALID_PRINCIPALS },
    },
    {
      title: "PutKeyPolicy accepts a user of another account of this Trent",
      call: () =>
        alice.client.send(new PutKeyPolicyCommand({ KeyId: key("lockout"), Policy: consoleKeyPolicy([alice.arn], [bob.arn, eve.arn]) })),
      expect: "allow",
    },
    {
      title: "PutKeyPolicy with BypassPolicyLockoutSafetyCheck stores the policy that locks the caller out",
      call: () => alice.client.send(new PutKeyPolicyCommand({ KeyId: key("lockout"), Policy: onlyBob(), BypassPolicyLockoutSafetyCheck: true })),
      expect: "allow",
    },
    {
      title: "after that, the caller is locked out",
      call: () => alice.client.send(new PutKeyPolicyCommand({ KeyId: key("lockout"), Policy: consoleKeyPolicy([alice.arn], [bob.arn]) })),
      expect: denied(ALICE, "kms:PutKeyPolicy", arn("lockout"), "no-resource"),
    },
    {
      title: "CreateKey refuses a policy that does not let the caller put the policy",
      call: () => w.rootA.client.send(new CreateKeyCommand({ Policy: onlyBob() })),
      expect: { error: "MalformedPolicyDocumentException", message: LOCKOUT },
    },
    {
      title: "CreateKey with BypassPolicyLockoutSafetyCheck accepts it",
      call: () => w.rootA.client.send(new CreateKeyCommand({ Policy: onlyBob(), BypassPolicyLockoutSafetyCheck: true })),
      expect: "allow",
    },
    {
      title: "CreateKey refuses a policy naming a user that does not exist",
      call: () => w.rootA.client.send(new CreateKeyCommand({ Policy: policy(rootStatement(), { Effect: "Allow", Principal: { AWS: "arn:aws:iam::111122223333:user/ghost" }, Action: "kms:*", Resource: "*" }) })),
      expect: { error: "MalformedPolicyDocumentException", message: INVALID_PRINCIPALS },
    },
    {
      title: "a user passes the check through the account statement when his IAM policy allows kms:PutKeyPolicy",
      call: () => dave.client.send(new CreateKeyCommand({ Policy: policy(rootStatement()) })),
      expect: "allow",
    },
    {
      title: "a user without an IAM policy may not create keys at all",
      call: () => carol.client.send(new CreateKeyCommand({})),
      expect: denied(CAROL, "kms:CreateKey", "*", "no-identity"),
    },
  ]);
});

suite("DryRun: every check, nothing done", () => {
  table([
    {
      title: "an allowed Encrypt with DryRun answers DryRunOperationException",
      call: () => bob.client.send(new EncryptCommand({ KeyId: key("console"), Plaintext: PLAINTEXT, DryRun: true })),
      expect: { error: "DryRunOperationException", message: "The request would have succeeded, but the DryRun option is set." },
    },
    {
      title: "a denied Encrypt with DryRun answers AccessDeniedException",
      call: () => carol.client.send(new EncryptCommand({ KeyId: key("console"), Plaintext: PLAINTEXT, DryRun: true })),
      expect: denied(CAROL, "kms:Encrypt", arn("console"), "no-identity"),
    },
    {
      title: "an allowed Decrypt of a valid ciphertext with DryRun answers DryRunOperationException",
      call: () => bob.client.send(new DecryptCommand({ CiphertextBlob: blob["console"], DryRun: true })),
      expect: { error: "DryRunOperationException" },
    },
    {
      title: "a Decrypt dry run still checks the ciphertext",
      call: () => {
        const bad = Buffer.from(blob["console"] ?? new Uint8Array());
        bad[bad.length - 1] = (bad[bad.length - 1] ?? 0) ^ 1;
        return bob.client.send(new DecryptCommand({ CiphertextBlob: bad, DryRun: true }));
      },
      expect: { error: "InvalidCiphertextException" },
    },
    {
      title: "a Decrypt dry run with IGNORE_CIPHERTEXT checks permission and key state only",
      call: () => bob.client.send(new DecryptCommand({ KeyId: key("console"), CiphertextBlob: Buffer.from("not a ciphertext"), DryRun: true, DryRunModifiers: ["IGNORE_CIPHERTEXT"] })),
      expect: { error: "DryRunOperationException" },
    },
    {
      title: "a dry run on a disabled key answers DisabledException",
      call: async () => {
        await alice.client.send(new DisableKeyCommand({ KeyId: key("console") }));
        try {
          return await bob.client.send(new EncryptCommand({ KeyId: key("console"), Plaintext: PLAINTEXT, DryRun: true }));
        } finally {
          await alice.client.send(new EnableKeyCommand({ KeyId: key("console") }));
        }
      },
      expect: { error: "DisabledException" },
    },
  ]);
});
