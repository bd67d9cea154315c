import type { AsymmetricEncryptionAlgorithm } from "../crypto/asymmetric/index.js";
import type { EncryptRequest, EncryptResponse } from "../generated/kms-types.js";
import { keyArn } from "../domain/arn.js";
import type { OpContext } from "./context.js";
import { dryRunSucceeded } from "./dry-run.js";
import { encryptionAlgorithmFor } from "./support/algorithm.js";
import { checkAsymmetricPlaintext, encryptWithPublicKey, rejectEncryptionContext } from "./support/asymmetric.js";
import { encryptionConditions } from "./support/conditions.js";
import { sealUnderKey } from "./support/symmetric.js";
import { useKey } from "./support/use-key.js";

export async function encrypt(ctx: OpContext, input: EncryptRequest): Promise<EncryptResponse> {
  const key = await useKey(ctx, input.KeyId, {
    operation: "Encrypt",
    action: "kms:Encrypt",
    allowAlias: true,
    usage: "ENCRYPT_DECRYPT",
    conditions: encryptionConditions(input.EncryptionContext, input.EncryptionAlgorithm),
  });
  try {
    const algorithm = encryptionAlgorithmFor(key, input.EncryptionAlgorithm);
    const arn = keyArn(key.region, key.accountId, key.keyId);
    if (algorithm === "SYMMETRIC_DEFAULT") {
      if (input.DryRun === true) dryRunSucceeded();
      const sealed = await sealUnderKey(ctx, key, input.Plaintext, input.EncryptionContext);
      return { CiphertextBlob: sealed.blob, KeyId: arn, EncryptionAlgorithm: "SYMMETRIC_DEFAULT" };
    }
    // Asymmetric: plain RSA-OAEP / SM2PKE under the public key, what anyone can do offline.
    const asymmetric = algorithm as AsymmetricEncryptionAlgorithm;
    rejectEncryptionContext(input.EncryptionContext);
    checkAsymmetricPlaintext(key, asymmetric, input.Plaintext.length);
    if (input.DryRun === true) dryRunSucceeded();
    const ciphertext = await encryptWithPublicKey(ctx, key, asymmetric, input.Plaintext);
    return { CiphertextBlob: ciphertext, KeyId: arn, EncryptionAlgorithm: asymmetric };
  } finally {
    input.Plaintext.dispose();
  }
}
