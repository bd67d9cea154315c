import {
  CreateAliasCommand,
  CreateKeyCommand,
  DeleteAliasCommand,
  DescribeKeyCommand,
  GenerateRandomCommand,
  ListAliasesCommand,
  ListKeysCommand,
  PutKeyPolicyCommand,
  TagResourceCommand,
} from "@aws-sdk/client-kms";
import { describe as suite } from "node:test";
import { denied, keyArnOf, policy, roleArn, rootStatement, table, userArn, useWorld } from "../support/authz.js";
import { setup } from "../support/harness.js";
import { ciphertext, dataKey, decrypt, describe, encrypt } from "../support/kms-calls.js";

/**
 * Identity (IAM) policies: the default key policy delegates to the account, so what a user or
 * role may do is what its IAM policies allow; explicit denies there win; account-level actions
 * (CreateKey, ListKeys, GenerateRandom...) are decided by IAM alone.
 */

const w = useWorld();
const { p, k, key, arn, who } = w;
let blob: Uint8Array = new Uint8Array();

setup(async () => {
  k["main"] = await w.createKey({ Description: "default key policy" });
  k["other"] = await w.createKey({ Description: "another key, default key policy" });
  const mainArn = keyArnOf(key("main"));
  p["scoped"] = await w.user("scoped", {
    crypto: policy({ Effect: "Allow", Action: ["kms:Encrypt", "kms:Decrypt"], Resource: mainArn }),
  });
  p["power"] = await w.user("power", {
    all: policy({ Effect: "Allow", Action: "kms:*", Resource: "*" }),
    noDecrypt: policy({ Effect: "Deny", Action: "kms:Decrypt", Resource: "*" }),
  });
  p["wild"] = await w.user("wild", {
    p: policy({ Effect: "Allow", Action: ["kms:Encrypt", "kms:GenerateDataKey*"], Resource: "arn:aws:kms:*:111122223333:key/*" }),
  });
  p["none"] = await w.user("none");
  p["reader"] = await w.role("Reader", { read: policy({ Effect: "Allow", Action: ["kms:Describe*", "kms:List*"], Resource: "*" }) });
  p["creator"] = await w.user("creator", {
    create: policy(
      { Effect: "Allow", Action: "kms:CreateKey", Resource: "*", Condition: { StringEquals: { "kms:KeySpec": "SYMMETRIC_DEFAULT" } } },
      { Effect: "Allow", Action: "kms:CreateKey", Resource: "*", Condition: { StringEquals: { "aws:RequestTag/Owner": "${aws:username}" } } },
      { Effect: "Allow", Action: ["kms:ListKeys", "kms:ListAliases"], Resource: "*" },
      { Effect: "Allow", Action: ["kms:PutKeyPolicy"], Resource: "*" },
    ),
  });
  p["notAction"] = await w.user("notaction", {
    p: policy({ Effect: "Allow", NotAction: ["kms:ScheduleKeyDeletion", "kms:Decrypt"], Resource: "*" }),
  });
  p["via"] = await w.user("via", {
    p: policy({ Effect: "Allow", Action: "kms:Encrypt", Resource: "*", Condition: { StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" } } }),
  });
  p["self"] = await w.user("self-7", {
    p: policy({ Effect: "Allow", Action: "kms:Encrypt", Resource: "*", Condition: { ArnLike: { "aws:PrincipalArn": "arn:aws:iam::111122223333:user/self-*" } } }),
  });
  p["aliaser"] = await w.user("aliaser", {
    p: policy({ Effect: "Allow", Action: ["kms:CreateAlias", "kms:DeleteAlias"], Resource: ["arn:aws:kms:us-east-1:111122223333:alias/team-*", mainArn] }),
  });
  p["tagger"] = await w.user("tagger", {
    p: policy({ Effect: "Allow", Action: "kms:TagResource", Resource: "*", Condition: { "ForAllValues:StringEquals": { "aws:TagKeys": ["Project", "Team"] } } }),
  });
  k["rootOnly"] = await w.createKey({ Policy: policy(rootStatement(), { Effect: "Deny", Principal: { AWS: userArn("power") }, Action: "kms:PutKeyPolicy", Resource: "*" }) });
  blob = await ciphertext(w.rootA, key("main"));
});

suite("identity policies through the default key policy", () => {
  table([
    { title: "an IAM policy scoped to the key's ARN allows Encrypt on it", call: () => encrypt(who("scoped"), key("main")), expect: "allow" },
    { title: "the same policy allows Decrypt on it", call: () => decrypt(who("scoped"), blob), expect: "allow" },
    {
      title: "the same policy does not allow an action it does not list",
      call: () => describe(who("scoped"), key("main")),
      expect: denied(userArn("scoped"), "kms:DescribeKey", arn("main"), "no-identity"),
    },
    {
      title: "the same policy does not allow another key",
      call: () => encrypt(who("scoped"), key("other")),
      expect: denied(userArn("scoped"), "kms:Encrypt", arn("other"), "no-identity"),
    },
    { title: "kms:* on * allows Encrypt", call: () => encrypt(who("power"), key("main")), expect: "allow" },
    {
      title: "an explicit Deny in an identity policy wins over kms:*",
      call: () => decrypt(who("power"), blob, key("main")),
      expect: denied(userArn("power"), "kms:Decrypt", arn("main"), "explicit-identity"),
    },
    {
      title: "a key policy Deny is reported before the identity policy's allow",
      call: () => who("power").client.send(new PutKeyPolicyCommand({ KeyId: key("rootOnly"), Policy: policy(rootStatement()) })),
      expect: denied(userArn("power"), "kms:PutKeyPolicy", arn("rootOnly"), "explicit-resource"),
    },
    { title: "a wildcard key ARN in Resource matches the key", call: () => encrypt(who("wild"), key("other")), expect: "allow" },
    { title: "kms:GenerateDataKey* matches GenerateDataKey", call: () => dataKey(who("wild"), key("main")), expect: "allow" },
    {
      title: "Decrypt is not among the actions the wildcard policy lists",
      call: () => decrypt(who("wild"), blob, key("main")),
      expect: denied(userArn("wild"), "kms:Decrypt", arn("main"), "no-identity"),
    },
    {
      title: "a user without identity policies may not encrypt",
      call: () => encrypt(who("none"), key("main")),
      expect: denied(userArn("none"), "kms:Encrypt", arn("main"), "no-identity"),
    },
    { title: "a role whose policy allows kms:Describe* describes the key", call: () => describe(who("reader"), key("main")), expect: "allow" },
    { title: "a role whose policy allows kms:List* lists keys", call: () => who("reader").client.send(new ListKeysCommand({})), expect: "allow" },
    {
      title: "the role may not encrypt",
      call: () => encrypt(who("reader"), key("main")),
      expect: denied(roleArn("Reader"), "kms:Encrypt", arn("main"), "no-identity"),
    },
    { title: "NotAction allows what it does not list", call: () => encrypt(who("notAction"), key("main")), expect: "allow" },
    {
      title: "NotAction does not allow what it lists",
      call: () => decrypt(who("notAction"), blob, key("main")),
      expect: denied(userArn("notaction"), "kms:Decrypt", arn("main"), "no-identity"),
    },
    {
      title: "a condition on kms:ViaService never holds: no AWS service calls Trent",
      call: () => encrypt(who("via"), key("main")),
      expect: denied(userArn("via"), "kms:Encrypt", arn("main"), "no-identity"),
    },
    { title: "aws:PrincipalArn with ArnLike matches the calling user", call: () => encrypt(who("self"), key("main")), expect: "allow" },
  ]);
});

suite("account-level actions are decided by identity policies", () => {
  table([
    {
      title: "a user without identity policies may not list keys",
      call: () => who("none").client.send(new ListKeysCommand({})),
      expect: denied(userArn("none"), "kms:ListKeys", "*", "no-identity"),
    },
    {
      title: "a user without identity policies may not create keys",
      call: () => who("none").client.send(new CreateKeyCommand({})),
      expect: denied(userArn("none"), "kms:CreateKey", "*", "no-identity"),
    },
    {
      title: "a user without identity policies may not generate random bytes",
      call: () => who("none").client.send(new GenerateRandomCommand({ NumberOfBytes: 16 })),
      expect: denied(userArn("none"), "kms:GenerateRandom", "*", "no-identity"),
    },
    { title: "the account root user generates random bytes", call: () => w.rootA.client.send(new GenerateRandomCommand({ NumberOfBytes: 16 })), expect: "allow" },
    { title: "the account root user lists keys", call: () => w.rootA.client.send(new ListKeysCommand({})), expect: "allow" },
    { title: "kms:KeySpec SYMMETRIC_DEFAULT holds for a CreateKey that names no KeySpec", call: () => who("creator").client.send(new CreateKeyCommand({})), expect: "allow" },
    {
      title: "kms:KeySpec SYMMETRIC_DEFAULT does not hold for an RSA key",
      call: () => who("creator").client.send(new CreateKeyCommand({ KeySpec: "RSA_2048", KeyUsage: "SIGN_VERIFY" })),
      expect: denied(userArn("creator"), "kms:CreateKey", "*", "no-identity"),
    },
    {
      title: "aws:RequestTag with a policy variable allows an RSA key tagged with the caller's name",
      call: () => who("creator").client.send(new CreateKeyCommand({ KeySpec: "RSA_2048", KeyUsage: "SIGN_VERIFY", Tags: [{ TagKey: "Owner", TagValue: "creator" }] })),
      expect: "allow",
    },
    {
      title: "aws:RequestTag does not hold for a tag with another value",
      call: () => who("creator").client.send(new CreateKeyCommand({ KeySpec: "RSA_2048", KeyUsage: "SIGN_VERIFY", Tags: [{ TagKey: "Owner", TagValue: "someone" }] })),
      expect: denied(userArn("creator"), "kms:CreateKey", "*", "no-identity"),
    },
    { title: "kms:ListAliases is allowed by its identity policy", call: () => who("creator").client.send(new ListAliasesCommand({})), expect: "allow" },
    {
      title: "a role without kms:GenerateRandom may not generate random bytes",
      call: () => who("reader").client.send(new GenerateRandomCommand({ NumberOfBytes: 8 })),
      expect: denied(roleArn("Reader"), "kms:GenerateRandom", "*", "no-identity"),
    },
  ]);
});

suite("aliases and tags under identity policies", () => {
  table([
    {
      title: "CreateAlias is authorized on the key named by the policy",
      call: () => who("aliaser").client.send(new CreateAliasCommand({ AliasName: "alias/team-a", TargetKeyId: key("main") })),
      expect: "allow",
    },
    {
      title: "CreateAlias for a key the policy does not name is denied on that key",
      call: () => who("aliaser").client.send(new CreateAliasCommand({ AliasName: "alias/team-b", TargetKeyId: key("other") })),
      expect: denied(userArn("aliaser"), "kms:CreateAlias", arn("other"), "no-identity"),
    },
    { title: "DeleteAlias of that alias is allowed", call: () => who("aliaser").client.send(new DeleteAliasCommand({ AliasName: "alias/team-a" })), expect: "allow" },
    {
      title: "TagResource with tag keys the policy lists is allowed",
      call: () => who("tagger").client.send(new TagResourceCommand({ KeyId: key("main"), Tags: [{ TagKey: "Project", TagValue: "x" }] })),
      expect: "allow",
    },
    {
      title: "TagResource with a tag key the policy does not list is denied (ForAllValues on aws:TagKeys)",
      call: () => who("tagger").client.send(new TagResourceCommand({ KeyId: key("main"), Tags: [{ TagKey: "Project", TagValue: "x" }, { TagKey: "Env", TagValue: "prod" }] })),
      expect: denied(userArn("tagger"), "kms:TagResource", arn("main"), "no-identity"),
    },
  ]);
});

suite("identity policy changes take effect on the next request", () => {
  table([
    {
      title: "a Deny attached to the scoped user stops Encrypt at once",
      call: async () => {
        await w.ids.putPolicy(userArn("scoped"), "stop", policy({ Effect: "Deny", Action: "kms:Encrypt", Resource: "*" }));
        return encrypt(who("scoped"), key("main"));
      },
      expect: denied(userArn("scoped"), "kms:Encrypt", arn("main"), "explicit-identity"),
    },
    {
      title: "detaching the Deny allows it again",
      call: async () => {
        await w.ids.deletePolicy(userArn("scoped"), "stop");
        return encrypt(who("scoped"), key("main"));
      },
      expect: "allow",
    },
    {
      title: "detaching the allowing policy denies it again",
      call: async () => {
        await w.ids.deletePolicy(userArn("scoped"), "crypto");
        return who("scoped").client.send(new DescribeKeyCommand({ KeyId: key("main") }));
      },
      expect: denied(userArn("scoped"), "kms:DescribeKey", arn("main"), "no-identity"),
    },
  ]);
});
