import type { EncryptRequest, EncryptResponse } from "../generated/kms-types.js";
import { keyArn } from "../domain/arn.js";
import { KmsError } from "../domain/errors.js";
import type { OpContext } from "./context.js";
import { dryRunSucceeded } from "./dry-run.js";
import { encryptionAlgorithmFor } from "./support/algorithm.js";
import { encryptionContextConditions } from "./support/conditions.js";
import { sealUnderKey } from "./support/symmetric.js";
import { useKey } from "./support/use-key.js";

export async function encrypt(ctx: OpContext, input: EncryptRequest): Promise<EncryptResponse> {
  const key = await useKey(ctx, input.KeyId, {
    operation: "Encrypt",
    action: "kms:Encrypt",
    allowAlias: true,
    usage: "ENCRYPT_DECRYPT",
    conditions: {
      ...encryptionContextConditions(input.EncryptionContext),
      ...(input.EncryptionAlgorithm ? { "kms:EncryptionAlgorithm": input.EncryptionAlgorithm } : {}),
    },
  });
  const algorithm = encryptionAlgorithmFor(key, input.EncryptionAlgorithm);
  if (algorithm !== "SYMMETRIC_DEFAULT") {
    throw new KmsError("UnsupportedOperationException", `${algorithm} is not supported by this Trent yet.`);
  }
  if (input.DryRun === true) dryRunSucceeded();
  try {
    const sealed = await sealUnderKey(ctx, key, input.Plaintext, input.EncryptionContext);
    return {
      CiphertextBlob: sealed.blob,
      KeyId: keyArn(key.region, key.accountId, key.keyId),
      EncryptionAlgorithm: "SYMMETRIC_DEFAULT",
    };
  } finally {
    input.Plaintext.dispose();
  }
}
