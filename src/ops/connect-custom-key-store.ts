import type { ConnectCustomKeyStoreRequest, ConnectCustomKeyStoreResponse } from "../generated/kms-types.js";
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
 * Opens the store's token with its stored password. Unlike AWS, which answers at once and connects
 * in the background (CONNECTING), Trent answers when the attempt is over: the store is then
 * CONNECTED, or FAILED with a ConnectionErrorCode (INVALID_CREDENTIALS for a refused PIN,
 * USER_LOCKED_OUT, CLUSTER_NOT_FOUND when the token or the cluster's configuration is missing,
 * NETWORK_ERRORS when the PKCS#11 module cannot be loaded, INTERNAL_ERROR otherwise). A failed
 * attempt is still a successful call, as on AWS. FAILED and DISCONNECTING stores must be
 * disconnected first (CustomKeyStoreInvalidStateException); connecting a CONNECTED store does nothing.
 */
export async function connectCustomKeyStore(ctx: OpContext, input: ConnectCustomKeyStoreRequest): Promise<ConnectCustomKeyStoreResponse> {
  await authorize(ctx, { action: "kms:ConnectCustomKeyStore" });
  const hsm = requireCustomKeyStores(ctx);
  const rec = await findCustomKeyStore(ctx, input.CustomKeyStoreId);
  if (rec.connectionState === "FAILED" || rec.connectionState === "DISCONNECTING") {
    throw invalidConnectionState(rec, "ConnectCustomKeyStore", "a store that is not FAILED or DISCONNECTING (disconnect it first)");
  }
  if (rec.connectionState === "CONNECTED") return {};
  const code = await hsm.connect(rec);
  try {
    await mutateCustomKeyStore(ctx, rec, (cur) => {
      if (cur.connectionState !== rec.connectionState) throw invalidConnectionState(cur, "ConnectCustomKeyStore", "no concurrent change");
      return code === undefined ? withConnectionState(cur, "CONNECTED") : withConnectionState(cur, "FAILED", code);
    });
  } catch (e) {
    // Not recorded as connected: do not keep the token open.
    await hsm.disconnect(rec.customKeyStoreId);
    throw e;
  }
  return {};
}
