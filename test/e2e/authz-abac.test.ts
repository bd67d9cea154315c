import {
  CreateAliasCommand,
  CreateKeyCommand,
  DeleteAliasCommand,
  GetPublicKeyCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateAliasCommand,
} from "@aws-sdk/client-kms";
import { describe as suite } from "node:test";
import { aliasArnOf, denied, policy, rootStatement, table, userArn, useWorld } from "../support/authz.js";
import { setup } from "../support/harness.js";
import { ciphertext, decrypt, describe, encrypt } from "../support/kms-calls.js";

/**
 * Attribute-based access control (KMS developer guide, "ABAC for AWS KMS"): kms:RequestAlias
 * (the alias the request used), kms:ResourceAliases (the aliases the key has; identity policies
 * only), aws:ResourceTag (the key's tags; identity policies only), aws:RequestTag / aws:TagKeys.
 */

const w = useWorld();
const { p, k, key, arn, who } = w;
let blob: Uint8Array = new Uint8Array();

setup(async () => {
  p["ra1"] = await w.user("ra1");
  p["rs1"] = await w.user("rs1", {
    p: policy({ Effect: "Allow", Action: ["kms:Encrypt", "kms:DescribeKey"], Resource: "*", Condition: { "ForAnyValue:StringLike": { "kms:ResourceAliases": "alias/finance-*" } } }),
  });
  p["tg1"] = await w.user("tg1", {
    allow: policy({ Effect: "Allow", Action: ["kms:Encrypt", "kms:Decrypt"], Resource: "*", Condition: { StringEquals: { "aws:ResourceTag/Project": "Alpha" } } }),
    deny: policy({ Effect: "Deny", Action: "kms:*", Resource: "*", Condition: { StringEquals: { "aws:ResourceTag/Env": "prod" } } }),
  });
  p["tg2"] = await w.user("tg2", {
    p: policy({ Effect: "Allow", Action: ["kms:CreateKey", "kms:TagResource", "kms:PutKeyPolicy"], Resource: "*", Condition: { StringEquals: { "aws:RequestTag/Owner": "${aws:username}" } } }),
  });
  p["kp1"] = await w.user("kp1");
  k["fin"] = await w.createKey({
    Policy: policy(
      rootStatement(),
      { Sid: "ViaFinanceAlias", Effect: "Allow", Principal: { AWS: userArn("ra1") }, Action: ["kms:Encrypt", "kms:Decrypt"], Resource: "*", Condition: { StringEquals: { "kms:RequestAlias": "alias/finance-key" } } },
      { Sid: "AliasesInKeyPolicy", Effect: "Allow", Principal: { AWS: userArn("kp1") }, Action: "kms:Encrypt", Resource: "*", Condition: { "ForAnyValue:StringLike": { "kms:ResourceAliases": "alias/*" } } },
      { Sid: "TagsInKeyPolicy", Effect: "Allow", Principal: { AWS: userArn("kp1") }, Action: "kms:Decrypt", Resource: "*", Condition: { StringEquals: { "aws:ResourceTag/Project": "Alpha" } } },
    ),
    Tags: [{ TagKey: "Project", TagValue: "Alpha" }],
  });
  k["hr"] = await w.createKey({ Tags: [{ TagKey: "Project", TagValue: "Beta" }] });
  k["bare"] = await w.createKey({});
  k["prod"] = await w.createKey({ Tags: [{ TagKey: "Project", TagValue: "Alpha" }, { TagKey: "Env", TagValue: "prod" }] });
  k["sign"] = await w.createKey({
    KeySpec: "ECC_NIST_P256",
    KeyUsage: "SIGN_VERIFY",
    Policy: policy(rootStatement(), { Effect: "Allow", Principal: { AWS: userArn("ra1") }, Action: "kms:GetPublicKey", Resource: "*", Condition: { StringLike: { "kms:RequestAlias": "alias/signing-*" } } }),
  });
  for (const [alias, target] of [
    ["alias/finance-key", "fin"],
    ["alias/other-name", "fin"],
    ["alias/hr-key", "hr"],
    ["alias/signing-main", "sign"],
  ] as const) {
    await w.rootA.client.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: key(target) }));
  }
  blob = await ciphertext(w.rootA, key("fin"));
});

suite("kms:RequestAlias in the key policy", () => {
  table([
    { title: "Encrypt naming the key by the alias the policy names is allowed", call: () => encrypt(who("ra1"), "alias/finance-key"), expect: "allow" },
    { title: "the alias ARN counts as the alias name", call: () => encrypt(who("ra1"), aliasArnOf("alias/finance-key")), expect: "allow" },
    {
      title: "another alias of the same key does not match",
      call: () => encrypt(who("ra1"), "alias/other-name"),
      expect: denied(userArn("ra1"), "kms:Encrypt", arn("fin"), "no-identity"),
    },
    {
      title: "the key id does not match: the request used no alias",
      call: () => encrypt(who("ra1"), key("fin")),
      expect: denied(userArn("ra1"), "kms:Encrypt", arn("fin"), "no-identity"),
    },
    { title: "Decrypt with KeyId set to the alias is allowed", call: () => decrypt(who("ra1"), blob, "alias/finance-key"), expect: "allow" },
    {
      title: "Decrypt without KeyId has no alias, and is denied on the ciphertext's key",
      call: () => decrypt(who("ra1"), blob),
      expect: denied(userArn("ra1"), "kms:Decrypt", undefined, "no-identity"),
    },
    { title: "GetPublicKey through an alias matching StringLike alias/signing-* is allowed", call: () => who("ra1").client.send(new GetPublicKeyCommand({ KeyId: "alias/signing-main" })), expect: "allow" },
    {
      title: "GetPublicKey by key id is not",
      call: () => who("ra1").client.send(new GetPublicKeyCommand({ KeyId: key("sign") })),
      expect: denied(userArn("ra1"), "kms:GetPublicKey", arn("sign"), "no-identity"),
    },
  ]);
});

suite("kms:ResourceAliases in identity policies", () => {
  table([
    { title: "a key with an alias matching alias/finance-* may be used", call: () => encrypt(who("rs1"), key("fin")), expect: "allow" },
    { title: "whatever identifier the request used", call: () => describe(who("rs1"), "alias/other-name"), expect: "allow" },
    {
      title: "a key whose aliases do not match may not",
      call: () => encrypt(who("rs1"), key("hr")),
      expect: denied(userArn("rs1"), "kms:Encrypt", arn("hr"), "no-identity"),
    },
    {
      title: "a key without aliases may not",
      call: () => encrypt(who("rs1"), key("bare")),
      expect: denied(userArn("rs1"), "kms:Encrypt", arn("bare"), "no-identity"),
    },
    {
      title: "an alias created for the key takes effect on the next request",
      call: async () => {
        await w.rootA.client.send(new CreateAliasCommand({ AliasName: "alias/finance-bare", TargetKeyId: key("bare") }));
        return encrypt(who("rs1"), key("bare"));
      },
      expect: "allow",
    },
    {
      title: "moving the alias away takes the access away",
      call: async () => {
        await w.rootA.client.send(new UpdateAliasCommand({ AliasName: "alias/finance-bare", TargetKeyId: key("prod") }));
        return encrypt(who("rs1"), key("bare"));
      },
      expect: denied(userArn("rs1"), "kms:Encrypt", arn("bare"), "no-identity"),
    },
    {
      title: "kms:ResourceAliases is not evaluated in a key policy: the statement never matches",
      call: () => encrypt(who("kp1"), key("fin")),
      expect: denied(userArn("kp1"), "kms:Encrypt", arn("fin"), "no-identity"),
    },
    { title: "deleting the alias leaves the other key's access as it was", call: () => w.rootA.client.send(new DeleteAliasCommand({ AliasName: "alias/finance-bare" })), expect: "allow" },
  ]);
});

suite("aws:ResourceTag, aws:RequestTag and aws:TagKeys", () => {
  table([
    { title: "aws:ResourceTag/Project Alpha allows a key tagged Project=Alpha", call: () => encrypt(who("tg1"), key("fin")), expect: "allow" },
    {
      title: "it does not allow a key tagged Project=Beta",
      call: () => encrypt(who("tg1"), key("hr")),
      expect: denied(userArn("tg1"), "kms:Encrypt", arn("hr"), "no-identity"),
    },
    {
      title: "nor an untagged key",
      call: () => encrypt(who("tg1"), key("bare")),
      expect: denied(userArn("tg1"), "kms:Encrypt", arn("bare"), "no-identity"),
    },
    {
      title: "a Deny on aws:ResourceTag/Env prod wins over the Project allow",
      call: () => encrypt(who("tg1"), key("prod")),
      expect: denied(userArn("tg1"), "kms:Encrypt", arn("prod"), "explicit-identity"),
    },
    {
      title: "tagging the key Project=Alpha gives access on the next request",
      call: async () => {
        await w.rootA.client.send(new TagResourceCommand({ KeyId: key("hr"), Tags: [{ TagKey: "Project", TagValue: "Alpha" }] }));
        return encrypt(who("tg1"), key("hr"));
      },
      expect: "allow",
    },
    {
      title: "untagging takes it away",
      call: async () => {
        await w.rootA.client.send(new UntagResourceCommand({ KeyId: key("hr"), TagKeys: ["Project"] }));
        return encrypt(who("tg1"), key("hr"));
      },
      expect: denied(userArn("tg1"), "kms:Encrypt", arn("hr"), "no-identity"),
    },
    {
      title: "aws:ResourceTag is not evaluated in a key policy",
      call: () => decrypt(who("kp1"), blob, key("fin")),
      expect: denied(userArn("kp1"), "kms:Decrypt", arn("fin"), "no-identity"),
    },
    {
      title: "aws:RequestTag/Owner ${aws:username} allows CreateKey tagged with the caller's own name",
      call: () => who("tg2").client.send(new CreateKeyCommand({ Tags: [{ TagKey: "Owner", TagValue: "tg2" }] })),
      expect: "allow",
    },
    {
      title: "and denies CreateKey tagged with another name",
      call: () => who("tg2").client.send(new CreateKeyCommand({ Tags: [{ TagKey: "Owner", TagValue: "tg1" }] })),
      expect: denied(userArn("tg2"), "kms:CreateKey", "*", "no-identity"),
    },
    {
      title: "and denies CreateKey without tags",
      call: () => who("tg2").client.send(new CreateKeyCommand({})),
      expect: denied(userArn("tg2"), "kms:CreateKey", "*", "no-identity"),
    },
    {
      title: "TagResource is held to the same aws:RequestTag condition",
      call: () => who("tg2").client.send(new TagResourceCommand({ KeyId: key("bare"), Tags: [{ TagKey: "Owner", TagValue: "tg1" }] })),
      expect: denied(userArn("tg2"), "kms:TagResource", arn("bare"), "no-identity"),
    },
  ]);
});
