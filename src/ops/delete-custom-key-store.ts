import type { DeleteCustomKeyStoreRequest, DeleteCustomKeyStoreResponse } from "../generated/kms-types.js";
import { KmsError } from "../domain/errors.js";
import type { OpContext } from "./context.js";
import { authorize } from "./support/authorize.js";
import { findCustomKeyStore, invalidConnectionState, requireCustomKeyStores } from "./support/custom-key-store-records.js";

/**
 * Deletes a custom key store that holds no KMS keys (in any state: keys pending deletion count until
 * they are deleted) and is disconnected. The token and its objects are not touched.
 */
export async function deleteCustomKeyStore(ctx: OpContext, input: DeleteCustomKeyStoreRequest): Promise<DeleteCustomKeyStoreResponse> {
  await authorize(ctx, { action: "kms:DeleteCustomKeyStore" });
  const hsm = requireCustomKeyStores(ctx);
  const rec = await findCustomKeyStore(ctx, input.CustomKeyStoreId);
  if (await ctx.store.customKeyStoreHasKeys(rec.customKeyStoreId)) {
    throw new KmsError(
      "CustomKeyStoreHasCMKsException",
      `Custom key store ${rec.customKeyStoreId} contains KMS keys. Schedule their deletion and wait until they are deleted.`,
    );
  }
  if (rec.connectionState !== "DISCONNECTED") throw invalidConnectionState(rec, "DeleteCustomKeyStore", "DISCONNECTED");
  await ctx.store.deleteCustomKeyStore(rec.customKeyStoreId);
  hsm.remember(rec.customKeyStoreId, undefined);
  await hsm.disconnect(rec.customKeyStoreId);
  return {};
}
