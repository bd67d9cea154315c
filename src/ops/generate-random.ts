import type { GenerateRandomRequest, GenerateRandomResponse } from "../generated/kms-types.js";
import { KmsError } from "../domain/errors.js";
import type { OpContext } from "./context.js";
import { authorize } from "./support/authorize.js";
import { randomSecret } from "./support/data-key.js";

export async function generateRandom(ctx: OpContext, input: GenerateRandomRequest): Promise<GenerateRandomResponse> {
  await authorize(ctx, { action: "kms:GenerateRandom" });
  if (input.NumberOfBytes === undefined) {
    throw new KmsError(
      "ValidationException",
      "1 validation error detected: Value null at 'numberOfBytes' failed to satisfy constraint: Member must not be null",
    );
  }
  if (input.CustomKeyStoreId !== undefined) {
    throw new KmsError("UnsupportedOperationException", "GenerateRandom in a custom key store is not supported by this Trent yet.");
  }
  if (input.Recipient !== undefined) {
    throw new KmsError("UnsupportedOperationException", "Recipient (Nitro Enclaves attestation) is not supported.");
  }
  return { Plaintext: randomSecret(ctx, input.NumberOfBytes) };
}
