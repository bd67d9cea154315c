import { CreateAliasCommand, CreateKeyCommand, KMS } from "@aws-sdk/client-kms";
import { CommitmentPolicy, KmsKeyringNode, buildClient, getClient } from "@aws-crypto/client-node";
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { REGION, setup, useTrent } from "../support/harness.js";

// The AWS Encryption SDK (a client nobody here wrote) uses Trent through its KMS keyring:
// GenerateDataKey to encrypt, Decrypt to decrypt, with the encryption context it manages.
const h = useTrent();
let keyArn = "";

setup(async () => {
  const key = await h.kms.send(new CreateKeyCommand({ Description: "envelope" }));
  keyArn = key.KeyMetadata?.Arn ?? "";
  await h.kms.send(new CreateAliasCommand({ AliasName: "alias/envelope", TargetKeyId: key.KeyMetadata?.KeyId }));
});

function keyring(generatorKeyId: string): KmsKeyringNode {
  // The Encryption SDK declares its own (older) KMS client type; ours is the newer one it accepts at run time.
  const clientProvider = getClient(KMS as unknown as Parameters<typeof getClient>[0], {
    endpoint: h.endpoint,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
  return new KmsKeyringNode({ generatorKeyId, clientProvider });
}

describe("AWS Encryption SDK for JavaScript against Trent", () => {
  test("a message encrypted with a KMS keyring decrypts with the same keyring and keeps its encryption context", async () => {
    const { encrypt, decrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
    const ring = keyring(keyArn);
    const message = Buffer.from("envelope-encrypted with a data key from Trent");
    const { result } = await encrypt(ring, message, { encryptionContext: { tenant: "acme", purpose: "test" } });
    assert.ok(!result.includes(message), "the message is not in the ciphertext in clear");
    const { plaintext, messageHeader } = await decrypt(ring, result);
    assert.deepEqual(Buffer.from(plaintext), message);
    assert.equal(messageHeader.encryptionContext["tenant"], "acme");
    // The SDK adds its own signing-key pair to the context; Trent must compare contexts as sets.
    assert.ok("aws-crypto-public-key" in messageHeader.encryptionContext);
  });

  test("a tampered message does not decrypt", async () => {
    const { encrypt, decrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
    const ring = keyring(keyArn);
    const { result } = await encrypt(ring, Buffer.from("x"), { encryptionContext: { a: "1" } });
    const bad = Buffer.from(result);
    bad[bad.length - 40] = (bad[bad.length - 40] ?? 0) ^ 1;
    await assert.rejects(decrypt(ring, bad));
  });

  test("the keyring works with an alias ARN as the generator", async () => {
    const { encrypt, decrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
    const aliasArn = keyArn.replace(/key\/.*$/, "alias/envelope");
    assert.ok(aliasArn.startsWith(`arn:aws:kms:${REGION}:`));
    const { result } = await encrypt(keyring(aliasArn), Buffer.from("via alias"));
    const { plaintext } = await decrypt(keyring(keyArn), result);
    assert.equal(Buffer.from(plaintext).toString(), "via alias");
  });
});
