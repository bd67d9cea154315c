import type { AsymmetricEncryptionAlgorithm } from "../crypto/asymmetric/index.js";
import type { SecretBytes } from "../crypto/secret-bytes.js";
import type { DecryptRequest, DecryptResponse } from "../generated/kms-types.js";
import { keyArn } from "../domain/arn.js";
import { KmsError } from "../domain/errors.js";
import type { OpContext } from "./context.js";
import { dryRunSucceeded } from "./dry-run.js";
import { decryptWithPrivateKey, rejectEncryptionContext } from "./support/asymmetric.js";
import { encryptionConditions } from "./support/conditions.js";
import { keyForAsymmetricCiphertext, keyForCiphertext } from "./support/source-key.js";
import { requireMember } from "./support/required.js";
import { openWithKey } from "./support/symmetric.js";
import { useKey } from "./support/use-key.js";

function dryRunAfter(plaintext: SecretBytes): never {
  plaintext.dispose();
  dryRunSucceeded();
}

export async function decrypt(ctx: OpContext, input: DecryptRequest): Promise<DecryptResponse> {
  if (input.Recipient !== undefined) {
    // Nitro Enclaves attestation is not something a self-hosted service can verify.
    throw new KmsError("UnsupportedOperationException", "Recipient (Nitro Enclaves attestation) is not supported.");
  }
  const check = {
    operation: "Decrypt",
    action: "kms:Decrypt",
    conditions: encryptionConditions(input.EncryptionContext, input.EncryptionAlgorithm),
  };
  if (input.DryRun === true && input.DryRunModifiers?.includes("IGNORE_CIPHERTEXT") === true) {
    // AWS: a dry run that only checks permission and key state for the named key.
    await useKey(ctx, requireMember(input.KeyId, "keyId"), { ...check, allowAlias: true });
    dryRunSucceeded();
  }
  const blob = requireMember(input.CiphertextBlob, "ciphertextBlob");
  const algorithm = input.EncryptionAlgorithm ?? "SYMMETRIC_DEFAULT";

  if (algorithm !== "SYMMETRIC_DEFAULT") {
    // A raw RSA-OAEP / SM2 ciphertext: the request names the key and the algorithm.
    const key = await keyForAsymmetricCiphertext(ctx, input.KeyId, algorithm, check);
    rejectEncryptionContext(input.EncryptionContext);
    const plaintext = await decryptWithPrivateKey(ctx, key, algorithm as AsymmetricEncryptionAlgorithm, blob);
    if (input.DryRun === true) dryRunAfter(plaintext);
    return { KeyId: keyArn(key.region, key.accountId, key.keyId), Plaintext: plaintext, EncryptionAlgorithm: algorithm };
  }

  // SYMMETRIC_DEFAULT (also the default when an asymmetric ciphertext comes without its
  // algorithm: it then fails as InvalidCiphertextException, as on AWS).
  const key = await keyForCiphertext(ctx, blob, input.KeyId, check);
  const { plaintext, materialId } = await openWithKey(ctx, key, blob, input.EncryptionContext);
  // A dry run checks the ciphertext too (DryRunModifiers IGNORE_CIPHERTEXT is how to skip that).
  if (input.DryRun === true) dryRunAfter(plaintext);
  return {
    KeyId: keyArn(key.region, key.accountId, key.keyId),
    Plaintext: plaintext,
    EncryptionAlgorithm: "SYMMETRIC_DEFAULT",
    KeyMaterialId: materialId,
  };
}
