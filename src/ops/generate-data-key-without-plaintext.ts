import type {
  GenerateDataKeyWithoutPlaintextRequest,
  GenerateDataKeyWithoutPlaintextResponse,
} from "../generated/kms-types.js";
import { keyArn } from "../domain/arn.js";
import { KmsError } from "../domain/errors.js";
import type { OpContext } from "./context.js";
import { dryRunSucceeded } from "./dry-run.js";
import { encryptionConditions } from "./support/conditions.js";
import { dataKeyLength, randomSecret } from "./support/data-key.js";
import { sealUnderKey } from "./support/symmetric.js";
import { useKey } from "./support/use-key.js";

export async function generateDataKeyWithoutPlaintext(
  ctx: OpContext,
  input: GenerateDataKeyWithoutPlaintextRequest,
): Promise<GenerateDataKeyWithoutPlaintextResponse> {
  const length = dataKeyLength(input.KeySpec, input.NumberOfBytes);
  const key = await useKey(ctx, input.KeyId, {
    operation: "GenerateDataKeyWithoutPlaintext",
    action: "kms:GenerateDataKeyWithoutPlaintext",
    allowAlias: true,
    usage: "ENCRYPT_DECRYPT",
    conditions: encryptionConditions(input.EncryptionContext, undefined),
  });
  if (key.keySpec !== "SYMMETRIC_DEFAULT") {
    throw new KmsError("InvalidKeyUsageException", `GenerateDataKeyWithoutPlaintext requires a symmetric encryption KMS key.`);
  }
  if (input.DryRun === true) dryRunSucceeded();
  const dataKey = randomSecret(ctx, length);
  try {
    const sealed = await sealUnderKey(ctx, key, dataKey, input.EncryptionContext);
    return { CiphertextBlob: sealed.blob, KeyId: keyArn(key.region, key.accountId, key.keyId), KeyMaterialId: sealed.materialId };
  } finally {
    dataKey.dispose();
  }
}
