import type { GenerateRandomRequest, GenerateRandomResponse } from "../generated/kms-types.js";
import { KmsError } from "../domain/errors.js";
import type { OpContext } from "./context.js";
import { authorize } from "./support/authorize.js";
import { findCustomKeyStore, invalidConnectionState, requireCustomKeyStores } from "./support/custom-key-store-records.js";
import { randomSecret } from "./support/data-key.js";

export async function generateRandom(ctx: OpContext, input: GenerateRandomRequest): Promise<GenerateRandomResponse> {
  await authorize(ctx, { action: "kms:GenerateRandom" });
  if (input.NumberOfBytes === undefined) {
    throw new KmsError(
      "ValidationException",
      "1 validation error detected: Value null at 'numberOfBytes' failed to satisfy constraint: Member must not be null",
    );
  }
  if (input.Recipient !== undefined) {
    throw new KmsError("UnsupportedOperationException", "Recipient (Nitro Enclaves attestation) is not supported.");
  }
  if (input.CustomKeyStoreId !== undefined) {
    // The bytes come from the store's token, which must be connected.
    const store = await findCustomKeyStore(ctx, input.CustomKeyStoreId);
    if (store.xks !== undefined) {
      throw new KmsError("UnsupportedOperationException", "GenerateRandom does not support external key stores (CustomKeyStoreType EXTERNAL_KEY_STORE).");
    }
    if (store.connectionState !== "CONNECTED") throw invalidConnectionState(store, "GenerateRandom", "CONNECTED");
    return { Plaintext: await requireCustomKeyStores(ctx).generateRandom(store, input.NumberOfBytes) };
  }
  return { Plaintext: randomSecret(ctx, input.NumberOfBytes) };
}
