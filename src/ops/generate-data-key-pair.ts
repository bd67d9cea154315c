import type { GenerateDataKeyPairRequest, GenerateDataKeyPairResponse } from "../generated/kms-types.js";
import { keyArn } from "../domain/arn.js";
import { KmsError } from "../domain/errors.js";
import type { OpContext } from "./context.js";
import { sealedDataKeyPair } from "./support/data-key-pair.js";

export async function generateDataKeyPair(ctx: OpContext, input: GenerateDataKeyPairRequest): Promise<GenerateDataKeyPairResponse> {
  if (input.Recipient !== undefined) {
    throw new KmsError("UnsupportedOperationException", "Recipient (Nitro Enclaves attestation) is not supported.");
  }
  const { key, pair, sealed } = await sealedDataKeyPair(ctx, input, "GenerateDataKeyPair");
  // The dispatcher zeroes PrivateKeyPlaintext once the response is encoded.
  return {
    PrivateKeyCiphertextBlob: sealed.blob,
    PrivateKeyPlaintext: pair.privateKey,
    PublicKey: pair.publicKey,
    KeyId: keyArn(key.region, key.accountId, key.keyId),
    KeyPairSpec: input.KeyPairSpec,
    KeyMaterialId: sealed.materialId,
  };
}
