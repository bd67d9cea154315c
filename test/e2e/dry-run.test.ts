import {
  CreateGrantCommand,
  DecryptCommand,
  DeriveSharedSecretCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyPairCommand,
  GenerateDataKeyPairWithoutPlaintextCommand,
  GenerateDataKeyWithoutPlaintextCommand,
  GenerateMacCommand,
  ListGrantsCommand,
  ReEncryptCommand,
  RetireGrantCommand,
  RevokeGrantCommand,
  SignCommand,
  VerifyCommand,
  VerifyMacCommand,
} from "@aws-sdk/client-kms";
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { describe } from "node:test";
import { denied, keyArnOf, table, userArn, useWorld, type Case, type Principal } from "../support/authz.js";
import { setup } from "../support/harness.js";
import { ciphertext, PLAINTEXT } from "../support/kms-calls.js";

/**
 * DryRun on every operation that takes it: when every check passes the answer is
 * DryRunOperationException and nothing happens; when a check fails, the real error.
 */

const w = useWorld();
const { k, key } = w;
let nobody: Principal;
let blob: Uint8Array = new Uint8Array();
let signature: Uint8Array = new Uint8Array();
let mac: Uint8Array = new Uint8Array();
let grantId = "";
const peer = generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ type: "spki", format: "der" });
const DRY = { error: "DryRunOperationException", message: "The request would have succeeded, but the DryRun option is set." } as const;

setup(async () => {
  nobody = await w.user("nobody");
  k["sym"] = await w.createKey({});
  k["sign"] = await w.createKey({ KeySpec: "ECC_NIST_P256", KeyUsage: "SIGN_VERIFY" });
  k["hmac"] = await w.createKey({ KeySpec: "HMAC_256", KeyUsage: "GENERATE_VERIFY_MAC" });
  k["agree"] = await w.createKey({ KeySpec: "ECC_NIST_P256", KeyUsage: "KEY_AGREEMENT" });
  blob = await ciphertext(w.rootA, key("sym"), { a: "b" });
  signature = (await w.rootA.client.send(new SignCommand({ KeyId: key("sign"), SigningAlgorithm: "ECDSA_SHA_256", Message: PLAINTEXT }))).Signature ?? new Uint8Array();
  mac = (await w.rootA.client.send(new GenerateMacCommand({ KeyId: key("hmac"), MacAlgorithm: "HMAC_SHA_256", Message: PLAINTEXT }))).Mac ?? new Uint8Array();
  grantId = (await w.rootA.client.send(new CreateGrantCommand({ KeyId: key("sym"), GranteePrincipal: userArn("nobody"), Operations: ["Decrypt"] }))).GrantId ?? "";
});

const root = (): Principal["client"] => w.rootA.client;
const arn = (name: string) => (): string => keyArnOf(key(name));

const cases: Case[] = [
  { title: "Encrypt: allowed → DryRunOperationException", call: () => root().send(new EncryptCommand({ KeyId: key("sym"), Plaintext: PLAINTEXT, DryRun: true })), expect: DRY },
  { title: "Encrypt: an HMAC key → InvalidKeyUsageException", call: () => root().send(new EncryptCommand({ KeyId: key("hmac"), Plaintext: PLAINTEXT, DryRun: true })), expect: { error: "InvalidKeyUsageException" } },
  { title: "Encrypt: not allowed → AccessDeniedException", call: () => nobody.client.send(new EncryptCommand({ KeyId: key("sym"), Plaintext: PLAINTEXT, DryRun: true })), expect: denied(userArn("nobody"), "kms:Encrypt", arn("sym"), "no-identity") },
  { title: "Decrypt: a valid ciphertext → DryRunOperationException", call: () => root().send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: { a: "b" }, DryRun: true })), expect: DRY },
  { title: "Decrypt: the wrong encryption context → InvalidCiphertextException", call: () => root().send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: { a: "c" }, DryRun: true })), expect: { error: "InvalidCiphertextException" } },
  {
    title: "ReEncrypt: allowed → DryRunOperationException",
    call: () => root().send(new ReEncryptCommand({ CiphertextBlob: blob, SourceEncryptionContext: { a: "b" }, DestinationKeyId: key("sym"), DryRun: true })),
    expect: DRY,
  },
  {
    title: "ReEncrypt: the wrong source context → InvalidCiphertextException",
    call: () => root().send(new ReEncryptCommand({ CiphertextBlob: blob, DestinationKeyId: key("sym"), DryRun: true })),
    expect: { error: "InvalidCiphertextException" },
  },
  {
    title: "ReEncrypt: a signing key as destination → InvalidKeyUsageException",
    call: () => root().send(new ReEncryptCommand({ CiphertextBlob: blob, SourceEncryptionContext: { a: "b" }, DestinationKeyId: key("sign"), DryRun: true })),
    expect: { error: "InvalidKeyUsageException" },
  },
  { title: "GenerateDataKey: allowed → DryRunOperationException", call: () => root().send(new GenerateDataKeyCommand({ KeyId: key("sym"), KeySpec: "AES_256", DryRun: true })), expect: DRY },
  { title: "GenerateDataKey: neither KeySpec nor NumberOfBytes → ValidationException", call: () => root().send(new GenerateDataKeyCommand({ KeyId: key("sym"), DryRun: true })), expect: { error: "ValidationException" } },
  { title: "GenerateDataKeyWithoutPlaintext: allowed → DryRunOperationException", call: () => root().send(new GenerateDataKeyWithoutPlaintextCommand({ KeyId: key("sym"), KeySpec: "AES_128", DryRun: true })), expect: DRY },
  { title: "GenerateDataKeyWithoutPlaintext: an HMAC key → InvalidKeyUsageException", call: () => root().send(new GenerateDataKeyWithoutPlaintextCommand({ KeyId: key("hmac"), KeySpec: "AES_128", DryRun: true })), expect: { error: "InvalidKeyUsageException" } },
  { title: "GenerateDataKeyPair: allowed → DryRunOperationException", call: () => root().send(new GenerateDataKeyPairCommand({ KeyId: key("sym"), KeyPairSpec: "ECC_NIST_P256", DryRun: true })), expect: DRY },
  { title: "GenerateDataKeyPairWithoutPlaintext: allowed → DryRunOperationException", call: () => root().send(new GenerateDataKeyPairWithoutPlaintextCommand({ KeyId: key("sym"), KeyPairSpec: "RSA_2048", DryRun: true })), expect: DRY },
  { title: "GenerateDataKeyPairWithoutPlaintext: a signing key → InvalidKeyUsageException", call: () => root().send(new GenerateDataKeyPairWithoutPlaintextCommand({ KeyId: key("sign"), KeyPairSpec: "RSA_2048", DryRun: true })), expect: { error: "InvalidKeyUsageException" } },
  { title: "Sign: allowed → DryRunOperationException", call: () => root().send(new SignCommand({ KeyId: key("sign"), SigningAlgorithm: "ECDSA_SHA_256", Message: PLAINTEXT, DryRun: true })), expect: DRY },
  {
    title: "Sign: a DIGEST of the wrong length → ValidationException",
    call: () => root().send(new SignCommand({ KeyId: key("sign"), SigningAlgorithm: "ECDSA_SHA_256", MessageType: "DIGEST", Message: PLAINTEXT, DryRun: true })),
    expect: { error: "ValidationException" },
  },
  { title: "Verify: allowed → DryRunOperationException", call: () => root().send(new VerifyCommand({ KeyId: key("sign"), SigningAlgorithm: "ECDSA_SHA_256", Message: PLAINTEXT, Signature: signature, DryRun: true })), expect: DRY },
  { title: "Verify: an algorithm the key does not support → InvalidKeyUsageException", call: () => root().send(new VerifyCommand({ KeyId: key("sign"), SigningAlgorithm: "ECDSA_SHA_384", Message: PLAINTEXT, Signature: signature, DryRun: true })), expect: { error: "InvalidKeyUsageException" } },
  { title: "GenerateMac: allowed → DryRunOperationException", call: () => root().send(new GenerateMacCommand({ KeyId: key("hmac"), MacAlgorithm: "HMAC_SHA_256", Message: PLAINTEXT, DryRun: true })), expect: DRY },
  { title: "GenerateMac: the wrong MAC algorithm → InvalidKeyUsageException", call: () => root().send(new GenerateMacCommand({ KeyId: key("hmac"), MacAlgorithm: "HMAC_SHA_512", Message: PLAINTEXT, DryRun: true })), expect: { error: "InvalidKeyUsageException" } },
  { title: "VerifyMac: allowed → DryRunOperationException", call: () => root().send(new VerifyMacCommand({ KeyId: key("hmac"), MacAlgorithm: "HMAC_SHA_256", Message: PLAINTEXT, Mac: mac, DryRun: true })), expect: DRY },
  { title: "DeriveSharedSecret: allowed → DryRunOperationException", call: () => root().send(new DeriveSharedSecretCommand({ KeyId: key("agree"), KeyAgreementAlgorithm: "ECDH", PublicKey: peer, DryRun: true })), expect: DRY },
  {
    title: "DeriveSharedSecret: a peer key that is not a public key → ValidationException",
    call: () => root().send(new DeriveSharedSecretCommand({ KeyId: key("agree"), KeyAgreementAlgorithm: "ECDH", PublicKey: Buffer.from("not a key"), DryRun: true })),
    expect: { error: "ValidationException" },
  },
  { title: "CreateGrant: allowed → DryRunOperationException", call: () => root().send(new CreateGrantCommand({ KeyId: key("sym"), GranteePrincipal: userArn("nobody"), Operations: ["Encrypt"], DryRun: true })), expect: DRY },
  { title: "CreateGrant: an unknown grantee → InvalidArnException", call: () => root().send(new CreateGrantCommand({ KeyId: key("sym"), GranteePrincipal: userArn("ghost"), Operations: ["Encrypt"], DryRun: true })), expect: { error: "InvalidArnException" } },
  { title: "RetireGrant: allowed → DryRunOperationException", call: () => root().send(new RetireGrantCommand({ KeyId: key("sym"), GrantId: grantId, DryRun: true })), expect: DRY },
  { title: "RetireGrant: not allowed → AccessDeniedException", call: () => nobody.client.send(new RetireGrantCommand({ KeyId: key("sym"), GrantId: grantId, DryRun: true })), expect: denied(userArn("nobody"), "kms:RetireGrant", arn("sym"), "no-identity") },
  { title: "RevokeGrant: allowed → DryRunOperationException", call: () => root().send(new RevokeGrantCommand({ KeyId: key("sym"), GrantId: grantId, DryRun: true })), expect: DRY },
  { title: "RevokeGrant: an unknown grant → NotFoundException", call: () => root().send(new RevokeGrantCommand({ KeyId: key("sym"), GrantId: "c".repeat(64), DryRun: true })), expect: { error: "NotFoundException" } },
  {
    title: "after every dry run the key still has exactly its one grant",
    call: async () => {
      const r = await root().send(new ListGrantsCommand({ KeyId: key("sym") }));
      assert.deepEqual(r.Grants?.map((g) => g.GrantId), [grantId]);
    },
    expect: "allow",
  },
];

describe("DryRun on every operation that takes it", () => {
  table(cases);
});
