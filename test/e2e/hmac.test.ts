import {
  CreateKeyCommand,
  DisableKeyCommand,
  EncryptCommand,
  GenerateMacCommand,
  VerifyMacCommand,
  type KeySpec,
  type MacAlgorithmSpec,
} from "@aws-sdk/client-kms";
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { expectError, setup, useTrent } from "../support/harness.js";

const CASES: readonly { spec: KeySpec; alg: MacAlgorithmSpec; length: number }[] = [
  { spec: "HMAC_224", alg: "HMAC_SHA_224", length: 28 },
  { spec: "HMAC_256", alg: "HMAC_SHA_256", length: 32 },
  { spec: "HMAC_384", alg: "HMAC_SHA_384", length: 48 },
  { spec: "HMAC_512", alg: "HMAC_SHA_512", length: 64 },
];
const MESSAGE = Buffer.from("authenticate me");

const h = useTrent();
const keys = new Map<string, { keyId: string; arn: string }>();

setup(async () => {
  for (const { spec } of CASES) {
    const md = (await h.kms.send(new CreateKeyCommand({ KeySpec: spec, KeyUsage: "GENERATE_VERIFY_MAC" }))).KeyMetadata;
    keys.set(spec, { keyId: md?.KeyId ?? "", arn: md?.Arn ?? "" });
  }
});

function key(spec: string): { keyId: string; arn: string } {
  const k = keys.get(spec);
  if (k === undefined) throw new Error(`no ${spec} key`);
  return k;
}

describe("GenerateMac and VerifyMac", () => {
  for (const { spec, alg, length } of CASES) {
    test(`${spec}: a ${length}-byte ${alg} MAC verifies, is deterministic, and a changed message is KMSInvalidMacException`, async () => {
      const { keyId, arn } = key(spec);
      const g = await h.kms.send(new GenerateMacCommand({ KeyId: keyId, Message: MESSAGE, MacAlgorithm: alg }));
      assert.equal(g.KeyId, arn);
      assert.equal(g.MacAlgorithm, alg);
      assert.equal(g.Mac?.length, length);
      const again = await h.kms.send(new GenerateMacCommand({ KeyId: arn, Message: MESSAGE, MacAlgorithm: alg }));
      assert.deepEqual(Buffer.from(again.Mac ?? []), Buffer.from(g.Mac ?? []));

      const v = await h.kms.send(new VerifyMacCommand({ KeyId: keyId, Message: MESSAGE, MacAlgorithm: alg, Mac: g.Mac }));
      assert.equal(v.MacValid, true);
      assert.equal(v.KeyId, arn);
      assert.equal(v.MacAlgorithm, alg);

      const err = await expectError(
        h.kms.send(new VerifyMacCommand({ KeyId: keyId, Message: Buffer.from("authenticate me!"), MacAlgorithm: alg, Mac: g.Mac })),
        "KMSInvalidMacException",
      );
      // The wire message is "" as on AWS; the JS SDK reports an empty message as "UnknownError".
      assert.ok(["", "UnknownError"].includes(err.message));
      const truncated = Buffer.from(g.Mac ?? []).subarray(0, length - 1);
      await expectError(h.kms.send(new VerifyMacCommand({ KeyId: keyId, Message: MESSAGE, MacAlgorithm: alg, Mac: truncated })), "KMSInvalidMacException");
    });
  }

  test("two HMAC keys of the same spec give different MACs (each has its own key)", async () => {
    const other = (await h.kms.send(new CreateKeyCommand({ KeySpec: "HMAC_256", KeyUsage: "GENERATE_VERIFY_MAC" }))).KeyMetadata;
    const a = await h.kms.send(new GenerateMacCommand({ KeyId: key("HMAC_256").keyId, Message: MESSAGE, MacAlgorithm: "HMAC_SHA_256" }));
    const b = await h.kms.send(new GenerateMacCommand({ KeyId: other?.KeyId, Message: MESSAGE, MacAlgorithm: "HMAC_SHA_256" }));
    assert.notDeepEqual(Buffer.from(a.Mac ?? []), Buffer.from(b.Mac ?? []));
    await expectError(h.kms.send(new VerifyMacCommand({ KeyId: other?.KeyId, Message: MESSAGE, MacAlgorithm: "HMAC_SHA_256", Mac: a.Mac })), "KMSInvalidMacException");
  });
});

describe("MAC errors", () => {
  test("a MAC algorithm of another HMAC spec is InvalidKeyUsageException in AWS's words", async () => {
    const e = await expectError(
      h.kms.send(new GenerateMacCommand({ KeyId: key("HMAC_224").keyId, Message: MESSAGE, MacAlgorithm: "HMAC_SHA_256" })),
      "InvalidKeyUsageException",
    );
    assert.equal(e.message, "Algorithm HMAC_SHA_256 is incompatible with key spec HMAC_224.");
    const v = await expectError(
      h.kms.send(new VerifyMacCommand({ KeyId: key("HMAC_256").keyId, Message: MESSAGE, MacAlgorithm: "HMAC_SHA_512", Mac: Buffer.alloc(64) })),
      "InvalidKeyUsageException",
    );
    assert.equal(v.message, "Algorithm HMAC_SHA_512 is incompatible with key spec HMAC_256.");
  });

  test("GenerateMac with a symmetric encryption key and Encrypt with an HMAC key are InvalidKeyUsageException", async () => {
    const sym = (await h.kms.send(new CreateKeyCommand({}))).KeyMetadata;
    const e = await expectError(
      h.kms.send(new GenerateMacCommand({ KeyId: sym?.KeyId, Message: MESSAGE, MacAlgorithm: "HMAC_SHA_256" })),
      "InvalidKeyUsageException",
    );
    assert.equal(e.message, `${sym?.Arn} key usage is ENCRYPT_DECRYPT which is not valid for GenerateMac.`);
    const enc = await expectError(h.kms.send(new EncryptCommand({ KeyId: key("HMAC_256").keyId, Plaintext: MESSAGE })), "InvalidKeyUsageException");
    assert.equal(enc.message, `${key("HMAC_256").arn} key usage is GENERATE_VERIFY_MAC which is not valid for Encrypt.`);
  });

  test("a message over 4096 bytes is a ValidationException; a disabled HMAC key is DisabledException", async () => {
    await expectError(
      h.kms.send(new GenerateMacCommand({ KeyId: key("HMAC_384").keyId, Message: Buffer.alloc(4097), MacAlgorithm: "HMAC_SHA_384" })),
      "ValidationException",
    );
    const md = (await h.kms.send(new CreateKeyCommand({ KeySpec: "HMAC_384", KeyUsage: "GENERATE_VERIFY_MAC" }))).KeyMetadata;
    await h.kms.send(new DisableKeyCommand({ KeyId: md?.KeyId }));
    await expectError(h.kms.send(new GenerateMacCommand({ KeyId: md?.KeyId, Message: MESSAGE, MacAlgorithm: "HMAC_SHA_384" })), "DisabledException");
    await expectError(
      h.kms.send(new VerifyMacCommand({ KeyId: md?.KeyId, Message: MESSAGE, MacAlgorithm: "HMAC_SHA_384", Mac: Buffer.alloc(48) })),
      "DisabledException",
    );
  });

  test("DryRun answers DryRunOperationException", async () => {
    await expectError(
      h.kms.send(new GenerateMacCommand({ KeyId: key("HMAC_512").keyId, Message: MESSAGE, MacAlgorithm: "HMAC_SHA_512", DryRun: true })),
      "DryRunOperationException",
    );
  });
});
