import type { GenerateDataKeyRequest, GenerateDataKeyResponse } from "../generated/kms-types.js";
import { keyArn } from "../domain/arn.js";
import { KmsError } from "../domain/errors.js";
import type { OpContext } from "./context.js";
import { dryRunSucceeded } from "./dry-run.js";
import { encryptionConditions } from "./support/conditions.js";
import { dataKeyLength, randomSecret } from "./support/data-key.js";
import { sealUnderKey } from "./support/symmetric.js";
import { useKey } from "./support/use-key.js";

export async function generateDataKey(ctx: OpContext, input: GenerateDataKeyRequest): Promise<GenerateDataKeyResponse> {
  const length = dataKeyLength(input.KeySpec, input.NumberOfBytes);
  if (input.Recipient !== undefined) {
    throw new KmsError("UnsupportedOperationException", "Recipient (Nitro Enclaves attestation) is not supported.");
  }
  const key = await useKey(ctx, input.KeyId, {
    operation: "GenerateDataKey",
    action: "kms:GenerateDataKey",
    allowAlias: true,
    usage: "ENCRYPT_DECRYPT",
    conditions: encryptionConditions(input.EncryptionContext, undefined),
  });
  if (key.keySpec !== "SYMMETRIC_DEFAULT") {
    throw new KmsError("InvalidKeyUsageException", `GenerateDataKey requires a symmetric encryption KMS key.`);
  }
  if (input.DryRun === true) dryRunSucceeded();
  const dataKey = randomSecret(ctx, length);
  const sealed = await sealUnderKey(ctx, key, dataKey, input.EncryptionContext);
  return {
    CiphertextBlob: sealed.blob,
    Plaintext: dataKey,
    KeyId: keyArn(key.region, key.accountId, key.keyId),
    KeyMaterialId: sealed.materialId,
  };
}
