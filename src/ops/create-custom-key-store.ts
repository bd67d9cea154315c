import type { CreateCustomKeyStoreRequest, CreateCustomKeyStoreResponse } from "../generated/kms-types.js";
import { MAX_CUSTOM_KEY_STORES_PER_REGION, newCustomKeyStoreId, type CustomKeyStoreRecord } from "../domain/custom-key-store.js";
import { KmsError } from "../domain/errors.js";
import { DuplicateEntry } from "../store/store.js";
import type { OpContext } from "./context.js";
import { authorize } from "./support/authorize.js";
import { createExternalKeyStore } from "./support/create-xks-store.js";
import {
  allStores,
  rejectXksParameters,
  requireCustomKeyStores,
  storesOfPartition,
} from "./support/custom-key-store-records.js";
import { requireMember } from "./support/required.js";

function nameInUse(name: string): KmsError {
  return new KmsError("CustomKeyStoreNameInUseException", `Custom key store name ${name} is already in use in this account and Region.`);
}

function clusterInUse(clusterId: string): KmsError {
  return new KmsError(
    "CloudHsmClusterInUseException",
    `Cluster ${clusterId} (or a cluster of the same token) is already associated with a custom key store.`,
  );
}

/**
 * CreateCustomKeyStore. EXTERNAL_KEY_STORE: see support/create-xks-store.ts. AWS_CLOUDHSM: the cluster id names a PKCS#11 token of TRENT_HSM_CLUSTERS,
 * the password is that token's user PIN (stored wrapped under the root), the trust anchor is stored
 * as given. The new store is DISCONNECTED; ConnectCustomKeyStore opens the token.
 */
export async function createCustomKeyStore(ctx: OpContext, input: CreateCustomKeyStoreRequest): Promise<CreateCustomKeyStoreResponse> {
  await authorize(ctx, { action: "kms:CreateCustomKeyStore" });
  if (input.CustomKeyStoreType === "EXTERNAL_KEY_STORE") return createExternalKeyStore(ctx, input);
  rejectXksParameters(input);
  // Required for AWS_CLOUDHSM key stores (the model leaves them optional because of external key stores).
  const clusterId = requireMember(input.CloudHsmClusterId, "cloudHsmClusterId");
  const password = requireMember(input.KeyStorePassword, "keyStorePassword");
  const trustAnchor = requireMember(input.TrustAnchorCertificate, "trustAnchorCertificate");
  const hsm = requireCustomKeyStores(ctx);
  if (hsm.cluster(clusterId) === undefined) {
    throw new KmsError("CloudHsmClusterNotFoundException", `Cluster ${clusterId} is not configured in this Trent (TRENT_HSM_CLUSTERS).`);
  }
  const mine = await storesOfPartition(ctx);
  if (mine.some((s) => s.name === input.CustomKeyStoreName)) throw nameInUse(input.CustomKeyStoreName);
  // A token serves one custom key store in the whole service (AWS: one per cluster and its backups).
  if ((await allStores(ctx, undefined)).some((s) => s.cloudHsmClusterId === clusterId || hsm.related(s.cloudHsmClusterId, clusterId))) {
    throw clusterInUse(clusterId);
  }
  if (mine.length >= MAX_CUSTOM_KEY_STORES_PER_REGION) {
    throw new KmsError("LimitExceededException", `This account and Region already have ${MAX_CUSTOM_KEY_STORES_PER_REGION} custom key stores.`);
  }
  const customKeyStoreId = newCustomKeyStoreId(ctx.random);
  const rec: CustomKeyStoreRecord = {
    customKeyStoreId,
    accountId: ctx.caller.accountId,
    region: ctx.caller.region,
    name: input.CustomKeyStoreName,
    type: "AWS_CLOUDHSM",
    cloudHsmClusterId: clusterId,
    trustAnchorCertificate: trustAnchor,
    password: await hsm.wrapPassword(customKeyStoreId, password),
    connectionState: "DISCONNECTED",
    createdAt: ctx.now(),
    revision: 0,
  };
  try {
    await ctx.store.createCustomKeyStore(rec);
  } catch (e) {
    if (!(e instanceof DuplicateEntry)) throw e;
    // Lost a race: say which constraint.
    if ((await storesOfPartition(ctx)).some((s) => s.name === rec.name)) throw nameInUse(rec.name);
    throw clusterInUse(clusterId);
  }
  hsm.remember(customKeyStoreId, { ...rec, revision: 1 });
  return { CustomKeyStoreId: customKeyStoreId };
}
