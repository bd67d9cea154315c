import type {
  GenerateDataKeyPairWithoutPlaintextRequest,
  GenerateDataKeyPairWithoutPlaintextResponse,
} from "../generated/kms-types.js";
import { keyArn } from "../domain/arn.js";
import type { OpContext } from "./context.js";
import { sealedDataKeyPair } from "./support/data-key-pair.js";

export async function generateDataKeyPairWithoutPlaintext(
  ctx: OpContext,
  input: GenerateDataKeyPairWithoutPlaintextRequest,
): Promise<GenerateDataKeyPairWithoutPlaintextResponse> {
  const { key, pair, sealed } = await sealedDataKeyPair(ctx, input, "GenerateDataKeyPairWithoutPlaintext");
  pair.privateKey.dispose();
  return {
    PrivateKeyCiphertextBlob: sealed.blob,
    PublicKey: pair.publicKey,
    KeyId: keyArn(key.region, key.accountId, key.keyId),
    KeyPairSpec: input.KeyPairSpec,
    KeyMaterialId: sealed.materialId,
  };
}
