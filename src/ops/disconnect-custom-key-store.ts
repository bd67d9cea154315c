import type { DisconnectCustomKeyStoreRequest, DisconnectCustomKeyStoreResponse } from "../generated/kms-types.js";
import type { OpContext } from "./context.js";
import { authorize } from "./support/authorize.js";
import {
  findCustomKeyStore,
  invalidConnectionState,
  mutateCustomKeyStore,
  requireCustomKeyStores,
  withConnectionState,
} from "./support/custom-key-store-records.js";

/**
 * Disconnects a store (CONNECTED, CONNECTING or FAILED): it becomes DISCONNECTED, its error code is
 * cleared, this node closes the token, and other nodes close theirs when they next read the store.
 * Its keys read Unavailable (those pending deletion stay PendingDeletion) until it is connected again.
 */
export async function disconnectCustomKeyStore(
  ctx: OpContext,
  input: DisconnectCustomKeyStoreRequest,
): Promise<DisconnectCustomKeyStoreResponse> {
  await authorize(ctx, { action: "kms:DisconnectCustomKeyStore" });
  const hsm = requireCustomKeyStores(ctx);
  const rec = await findCustomKeyStore(ctx, input.CustomKeyStoreId);
  const check = (cur: typeof rec): void => {
    if (cur.connectionState === "DISCONNECTED" || cur.connectionState === "DISCONNECTING") {
      throw invalidConnectionState(cur, "DisconnectCustomKeyStore", "a store that is not already disconnected");
    }
  };
  check(rec);
  await mutateCustomKeyStore(ctx, rec, (cur) => {
    check(cur);
    return withConnectionState(cur, "DISCONNECTED");
  });
  await hsm.disconnect(rec.customKeyStoreId);
  return {};
}
