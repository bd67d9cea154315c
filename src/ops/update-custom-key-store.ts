import type { UpdateCustomKeyStoreRequest, UpdateCustomKeyStoreResponse } from "../generated/kms-types.js";
import { KmsError } from "../domain/errors.js";
import { DuplicateEntry } from "../store/store.js";
import type { OpContext } from "./context.js";
import { updateExternalKeyStore } from "./support/update-xks-store.js";
import { authorize } from "./support/authorize.js";
import {
  findCustomKeyStore,
  invalidConnectionState,
  mutateCustomKeyStore,
  rejectXksParameters,
  requireCustomKeyStores,
  storesOfPartition,
} from "./support/custom-key-store-records.js";

/**
 * External key stores: see support/update-xks-store.ts. Changes a disconnected AWS_CLOUDHSM key store: its name, its password (the token's current user
 * PIN; it does not change the PIN), or its cluster id, which must name the same token (AWS: a
 * related cluster, one that shares the backup history).
 */
export async function updateCustomKeyStore(ctx: OpContext, input: UpdateCustomKeyStoreRequest): Promise<UpdateCustomKeyStoreResponse> {
  await authorize(ctx, { action: "kms:UpdateCustomKeyStore" });
  const hsm = requireCustomKeyStores(ctx);
  const rec = await findCustomKeyStore(ctx, input.CustomKeyStoreId);
  if (rec.xks !== undefined) return updateExternalKeyStore(ctx, { ...rec, xks: rec.xks }, input);
  rejectXksParameters(input);
  const name = input.NewCustomKeyStoreName;
  const clusterId = input.CloudHsmClusterId;
  const check = async (cur: typeof rec): Promise<void> => {
    if (cur.connectionState !== "DISCONNECTED") throw invalidConnectionState(cur, "UpdateCustomKeyStore", "DISCONNECTED");
    if (name !== undefined && name !== cur.name && (await storesOfPartition(ctx)).some((s) => s.name === name)) {
      throw new KmsError("CustomKeyStoreNameInUseException", `Custom key store name ${name} is already in use in this account and Region.`);
    }
    if (clusterId !== undefined && clusterId !== cur.cloudHsmClusterId) {
      if (hsm.cluster(clusterId) === undefined) {
        throw new KmsError("CloudHsmClusterNotFoundException", `Cluster ${clusterId} is not configured in this Trent (TRENT_HSM_CLUSTERS).`);
      }
      if (!hsm.related(cur.cloudHsmClusterId, clusterId)) {
        throw new KmsError(
          "CloudHsmClusterNotRelatedException",
          `Cluster ${clusterId} is not related to cluster ${cur.cloudHsmClusterId}: it must be configured with the same PKCS#11 token.`,
        );
      }
    }
  };
  await check(rec);
  const password = input.KeyStorePassword === undefined ? undefined : await hsm.wrapPassword(rec.customKeyStoreId, input.KeyStorePassword);
  try {
    await mutateCustomKeyStore(ctx, rec, async (cur) => {
      await check(cur);
      return {
        ...cur,
        ...(name !== undefined ? { name } : {}),
        ...(clusterId !== undefined ? { cloudHsmClusterId: clusterId } : {}),
        ...(password !== undefined ? { password } : {}),
      };
    });
  } catch (e) {
    if (!(e instanceof DuplicateEntry)) throw e;
    if (e.message.includes("name")) {
      throw new KmsError("CustomKeyStoreNameInUseException", `Custom key store name ${name ?? ""} is already in use in this account and Region.`);
    }
    throw new KmsError("CloudHsmClusterInUseException", `Cluster ${clusterId ?? ""} is already associated with a custom key store.`);
  }
  return {};
}
