import {
  GenerateDataKeyCommand,
  GenerateDataKeyPairCommand,
  GenerateMacCommand,
  PutKeyPolicyCommand,
  SignCommand,
} from "@aws-sdk/client-kms";
import { createHash } from "node:crypto";
import { describe as suite } from "node:test";
import {
  ACCOUNT_B,
  denied,
  keyArnOf,
  policy,
  rootStatement,
  table,
  userArn,
  useWorld,
  type Statement,
} from "../support/authz.js";
import { setup } from "../support/harness.js";
import { ciphertext, decrypt, encrypt, PLAINTEXT } from "../support/kms-calls.js";

/**
 * Condition keys in key policies and identity policies, each checked with a real request:
 * kms:EncryptionContext:<key>, kms:EncryptionContextKeys with ForAllValues / ForAnyValue,
 * kms:CallerAccount, aws:SourceIp, aws:CurrentTime, kms:EncryptionAlgorithm (present with its
 * default SYMMETRIC_DEFAULT when the request names none), kms:BypassPolicyLockoutSafetyCheck
 * (absent when the request does not send it), kms:SigningAlgorithm, kms:MessageType,
 * kms:MacAlgorithm, kms:DataKeyPairSpec.
 */

const w = useWorld();
const { p, k, key, arn, who } = w;
const blob: Record<string, Uint8Array> = {};

const allow = (user: string, action: string | string[], condition?: Record<string, unknown>): Statement => ({
  Sid: `${user}`.replace(/[^A-Za-z0-9]/g, ""),
  Effect: "Allow",
  Principal: { AWS: userArn(user) },
  Action: action,
  Resource: "*",
  ...(condition !== undefined ? { Condition: condition } : {}),
});
const USERS = ["ec1", "ec2", "ec3", "ec5", "ec6", "cu1", "ip1", "ip2", "t1", "t2", "alg1", "alg2", "sg1", "mac1", "pair1"];

setup(async () => {
  for (const u of USERS) p[u] = await w.user(u);
  p["bq"] = await w.user("bq", { all: policy({ Effect: "Allow", Action: "kms:*", Resource: "*" }) }, ACCOUNT_B);
  p["pk"] = await w.user("pk", {
    p: policy(
      { Effect: "Allow", Action: "kms:PutKeyPolicy", Resource: "*" },
      { Effect: "Deny", Action: "kms:PutKeyPolicy", Resource: "*", Condition: { Bool: { "kms:BypassPolicyLockoutSafetyCheck": "true" } } },
    ),
  });
  p["pk2"] = await w.user("pk2", {
    p: policy(
      { Effect: "Allow", Action: "kms:PutKeyPolicy", Resource: "*" },
      { Effect: "Deny", Action: "kms:PutKeyPolicy", Resource: "*", Condition: { Null: { "kms:BypassPolicyLockoutSafetyCheck": "false" } } },
    ),
  });
  k["ec"] = await w.createKey({
    BypassPolicyLockoutSafetyCheck: true,
    Policy: policy(
      allow("ec1", ["kms:Encrypt", "kms:Decrypt"], { StringEquals: { "kms:EncryptionContext:app": "billing" } }),
      allow("ec2", "kms:Encrypt", { "ForAllValues:StringEquals": { "kms:EncryptionContextKeys": ["app", "env"] } }),
      allow("ec3", "kms:Encrypt", { "ForAnyValue:StringEquals": { "kms:EncryptionContextKeys": ["app"] } }),
      allow("ec5", ["kms:Encrypt", "kms:Decrypt"]),
      { Sid: "ContextRequired", Effect: "Deny", Principal: { AWS: userArn("ec5") }, Action: "kms:Encrypt", Resource: "*", Condition: { Null: { "kms:EncryptionContext:app": "true" } } },
      allow("ec6", "kms:Encrypt", { StringLike: { "kms:EncryptionContext:app": "bill*" } }),
      { Sid: "AccountOnly", Effect: "Allow", Principal: { AWS: "*" }, Action: "kms:Decrypt", Resource: "*", Condition: { StringEquals: { "kms:CallerAccount": "111122223333" } } },
      allow("ip1", "kms:Encrypt", { IpAddress: { "aws:SourceIp": ["127.0.0.0/8", "::1/128"] } }),
      allow("ip2", "kms:Encrypt", { IpAddress: { "aws:SourceIp": "10.0.0.0/8" } }),
      allow("t1", "kms:Encrypt", { DateLessThan: { "aws:CurrentTime": "2999-01-01T00:00:00Z" } }),
      allow("t2", "kms:Encrypt", { DateGreaterThan: { "aws:CurrentTime": "2999-01-01T00:00:00Z" } }),
      allow("alg1", ["kms:Encrypt", "kms:GenerateDataKey"], { StringEquals: { "kms:EncryptionAlgorithm": "SYMMETRIC_DEFAULT" } }),
      allow("alg2", "kms:Encrypt", { StringEquals: { "kms:EncryptionAlgorithm": "RSAES_OAEP_SHA_256" } }),
      allow("pair1", "kms:GenerateDataKeyPair", { StringEquals: { "kms:DataKeyPairSpec": "ECC_NIST_P256" } }),
    ),
  });
  k["sign"] = await w.createKey({
    KeySpec: "ECC_NIST_P256",
    KeyUsage: "SIGN_VERIFY",
    Policy: policy(rootStatement(), allow("sg1", "kms:Sign", { StringEquals: { "kms:SigningAlgorithm": "ECDSA_SHA_256", "kms:MessageType": "RAW" } })),
  });
  k["mac"] = await w.createKey({
    KeySpec: "HMAC_256",
    KeyUsage: "GENERATE_VERIFY_MAC",
    Policy: policy(rootStatement(), allow("mac1", "kms:GenerateMac", { StringEquals: { "kms:MacAlgorithm": "HMAC_SHA_256" } })),
  });
  k["bypass"] = await w.createKey({});
  blob["billing"] = await ciphertext(who("ec1"), key("ec"), { app: "billing" });
  blob["plain"] = await ciphertext(who("ec5"), key("ec"), { app: "x" });
});

const noResource = (user: string, action: string, keyName = "ec") => denied(userArn(user), action, arn(keyName), "no-resource");

suite("encryption context conditions", () => {
  table([
    { title: "kms:EncryptionContext:app StringEquals billing: Encrypt with app=billing is allowed", call: () => encrypt(who("ec1"), key("ec"), { app: "billing" }), expect: "allow" },
    { title: "extra pairs do not matter to a single-key condition", call: () => encrypt(who("ec1"), key("ec"), { app: "billing", env: "prod" }), expect: "allow" },
    { title: "Encrypt with app=hr is denied", call: () => encrypt(who("ec1"), key("ec"), { app: "hr" }), expect: noResource("ec1", "kms:Encrypt") },
    { title: "Encrypt without an encryption context is denied", call: () => encrypt(who("ec1"), key("ec")), expect: noResource("ec1", "kms:Encrypt") },
    { title: "StringEquals compares values case-sensitively", call: () => encrypt(who("ec1"), key("ec"), { app: "Billing" }), expect: noResource("ec1", "kms:Encrypt") },
    { title: "the context key in the condition key name matches case-insensitively: App=billing passes", call: () => encrypt(who("ec1"), key("ec"), { App: "billing" }), expect: "allow" },
    { title: "Decrypt with the same context is allowed", call: () => decrypt(who("ec1"), blob["billing"] ?? new Uint8Array(), key("ec"), { app: "billing" }), expect: "allow" },
    {
      title: "Decrypt without the context is allowed by the account-wide statement, then fails: the context is part of the ciphertext",
      call: () => decrypt(who("ec1"), blob["billing"] ?? new Uint8Array(), key("ec")),
      expect: { error: "InvalidCiphertextException" },
    },
    { title: "ForAllValues kms:EncryptionContextKeys [app, env]: both keys are allowed", call: () => encrypt(who("ec2"), key("ec"), { app: "a", env: "b" }), expect: "allow" },
    { title: "ForAllValues: one listed key is allowed", call: () => encrypt(who("ec2"), key("ec"), { env: "b" }), expect: "allow" },
    { title: "ForAllValues: no encryption context at all is allowed too (the documented pitfall)", call: () => encrypt(who("ec2"), key("ec")), expect: "allow" },
    { title: "ForAllValues: a key not listed is denied", call: () => encrypt(who("ec2"), key("ec"), { app: "a", owner: "c" }), expect: noResource("ec2", "kms:Encrypt") },
    { title: "ForAnyValue kms:EncryptionContextKeys [app]: app among others is allowed", call: () => encrypt(who("ec3"), key("ec"), { app: "a", owner: "c" }), expect: "allow" },
    { title: "ForAnyValue: without app it is denied", call: () => encrypt(who("ec3"), key("ec"), { owner: "c" }), expect: noResource("ec3", "kms:Encrypt") },
    { title: "ForAnyValue: without any context it is denied", call: () => encrypt(who("ec3"), key("ec")), expect: noResource("ec3", "kms:Encrypt") },
    { title: "a Deny on Null kms:EncryptionContext:app stops Encrypt without app", call: () => encrypt(who("ec5"), key("ec")), expect: denied(userArn("ec5"), "kms:Encrypt", arn("ec"), "explicit-resource") },
    { title: "the same Deny lets Encrypt with app through", call: () => encrypt(who("ec5"), key("ec"), { app: "x" }), expect: "allow" },
    { title: "StringLike bill* matches billing", call: () => encrypt(who("ec6"), key("ec"), { app: "billing" }), expect: "allow" },
    { title: "StringLike bill* does not match payroll", call: () => encrypt(who("ec6"), key("ec"), { app: "payroll" }), expect: noResource("ec6", "kms:Encrypt") },
  ]);
});

suite("kms:CallerAccount, aws:SourceIp, aws:CurrentTime", () => {
  table([
    { title: "Principal * with kms:CallerAccount admits a user of the account without IAM policy", call: () => decrypt(who("cu1"), blob["plain"] ?? new Uint8Array(), key("ec"), { app: "x" }), expect: "allow" },
    {
      title: "kms:CallerAccount keeps out a user of another account, whatever its IAM policy",
      call: () => decrypt(who("bq"), blob["plain"] ?? new Uint8Array(), keyArnOf(key("ec")), { app: "x" }),
      expect: denied(userArn("bq", ACCOUNT_B), "kms:Decrypt", arn("ec"), "no-resource"),
    },
    { title: "aws:SourceIp in 127.0.0.0/8 matches a loopback caller", call: () => encrypt(who("ip1"), key("ec")), expect: "allow" },
    { title: "aws:SourceIp in 10.0.0.0/8 does not", call: () => encrypt(who("ip2"), key("ec")), expect: noResource("ip2", "kms:Encrypt") },
    { title: "aws:CurrentTime before 2999 holds", call: () => encrypt(who("t1"), key("ec")), expect: "allow" },
    { title: "aws:CurrentTime after 2999 does not", call: () => encrypt(who("t2"), key("ec")), expect: noResource("t2", "kms:Encrypt") },
  ]);
});

suite("algorithm and request-parameter conditions", () => {
  table([
    { title: "kms:EncryptionAlgorithm SYMMETRIC_DEFAULT holds for an Encrypt that names no algorithm", call: () => encrypt(who("alg1"), key("ec")), expect: "allow" },
    { title: "and for one that names SYMMETRIC_DEFAULT", call: () => encrypt(who("alg1"), key("ec"), undefined, { EncryptionAlgorithm: "SYMMETRIC_DEFAULT" }), expect: "allow" },
    { title: "and for GenerateDataKey, which always uses SYMMETRIC_DEFAULT", call: () => who("alg1").client.send(new GenerateDataKeyCommand({ KeyId: key("ec"), NumberOfBytes: 32 })), expect: "allow" },
    { title: "kms:EncryptionAlgorithm RSAES_OAEP_SHA_256 does not hold for a symmetric Encrypt", call: () => encrypt(who("alg2"), key("ec")), expect: noResource("alg2", "kms:Encrypt") },
    {
      title: "kms:DataKeyPairSpec ECC_NIST_P256 allows that pair",
      call: () => who("pair1").client.send(new GenerateDataKeyPairCommand({ KeyId: key("ec"), KeyPairSpec: "ECC_NIST_P256" })),
      expect: "allow",
    },
    {
      title: "kms:DataKeyPairSpec ECC_NIST_P256 does not allow RSA_2048",
      call: () => who("pair1").client.send(new GenerateDataKeyPairCommand({ KeyId: key("ec"), KeyPairSpec: "RSA_2048" })),
      expect: noResource("pair1", "kms:GenerateDataKeyPair"),
    },
    {
      title: "kms:SigningAlgorithm and kms:MessageType RAW allow a RAW signature",
      call: () => who("sg1").client.send(new SignCommand({ KeyId: key("sign"), SigningAlgorithm: "ECDSA_SHA_256", Message: PLAINTEXT })),
      expect: "allow",
    },
    {
      title: "kms:MessageType RAW does not allow a DIGEST signature",
      call: () =>
        who("sg1").client.send(new SignCommand({ KeyId: key("sign"), SigningAlgorithm: "ECDSA_SHA_256", MessageType: "DIGEST", Message: createHash("sha256").update(PLAINTEXT).digest() })),
      expect: denied(userArn("sg1"), "kms:Sign", arn("sign"), "no-identity"),
    },
    {
      title: "kms:MacAlgorithm HMAC_SHA_256 allows GenerateMac",
      call: () => who("mac1").client.send(new GenerateMacCommand({ KeyId: key("mac"), MacAlgorithm: "HMAC_SHA_256", Message: PLAINTEXT })),
      expect: "allow",
    },
    {
      title: "a Bool Deny on kms:BypassPolicyLockoutSafetyCheck does not stop a PutKeyPolicy that does not bypass",
      call: () => who("pk").client.send(new PutKeyPolicyCommand({ KeyId: key("bypass"), Policy: policy(rootStatement()) })),
      expect: "allow",
    },
    {
      title: "the same Deny stops a PutKeyPolicy that bypasses the check",
      call: () => who("pk").client.send(new PutKeyPolicyCommand({ KeyId: key("bypass"), Policy: policy(rootStatement()), BypassPolicyLockoutSafetyCheck: true })),
      expect: denied(userArn("pk"), "kms:PutKeyPolicy", arn("bypass"), "explicit-identity"),
    },
    {
      title: "kms:BypassPolicyLockoutSafetyCheck is absent when the request does not send it (Null false does not match)",
      call: () => who("pk2").client.send(new PutKeyPolicyCommand({ KeyId: key("bypass"), Policy: policy(rootStatement()) })),
      expect: "allow",
    },
    {
      title: "and present when the request sends false",
      call: () => who("pk2").client.send(new PutKeyPolicyCommand({ KeyId: key("bypass"), Policy: policy(rootStatement()), BypassPolicyLockoutSafetyCheck: false })),
      expect: denied(userArn("pk2"), "kms:PutKeyPolicy", arn("bypass"), "explicit-identity"),
    },
  ]);
});
