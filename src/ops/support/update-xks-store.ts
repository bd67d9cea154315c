import type { UpdateCustomKeyStoreRequest, UpdateCustomKeyStoreResponse } from "../../generated/kms-types.js";
import type { CustomKeyStoreRecord } from "../../domain/custom-key-store.js";
import { KmsError } from "../../domain/errors.js";
import { DuplicateEntry } from "../../store/store.js";
import type { OpContext } from "../context.js";
import { invalidConnectionState, mutateCustomKeyStore, requireCustomKeyStores, storesOfPartition } from "./custom-key-store-records.js";
import { checkXksParameterSet, checkXksUriFree, probeXksProxy, xksSettings } from "./xks-store-settings.js";

/**
 * UpdateCustomKeyStore of an external key store (after authorization), as AWS allows it: the name,
 * the proxy authentication credential and the URI path in any connection state; the endpoint and
 * the connectivity only while DISCONNECTED. New proxy settings must pass GetHealthStatus first.
 */
export async function updateExternalKeyStore(
  ctx: OpContext,
  rec: CustomKeyStoreRecord & { readonly xks: NonNullable<CustomKeyStoreRecord["xks"]> },
  input: UpdateCustomKeyStoreRequest,
): Promise<UpdateCustomKeyStoreResponse> {
  checkXksParameterSet(input);
  const hsm = requireCustomKeyStores(ctx);
  const name = input.NewCustomKeyStoreName;
  const endpointChange = input.XksProxyUriEndpoint !== undefined && input.XksProxyUriEndpoint !== rec.xks.uriEndpoint;
  const proxyChange = input.XksProxyUriEndpoint !== undefined || input.XksProxyUriPath !== undefined || input.XksProxyAuthenticationCredential !== undefined;
  const settings = xksSettings(
    input.XksProxyUriEndpoint ?? rec.xks.uriEndpoint,
    input.XksProxyUriPath ?? rec.xks.uriPath,
    input.XksProxyAuthenticationCredential?.AccessKeyId ?? rec.xks.accessKeyId,
    hsm.loopbackHttpProxies,
  );
  const check = async (cur: CustomKeyStoreRecord): Promise<void> => {
    if (endpointChange && cur.connectionState !== "DISCONNECTED") {
      throw invalidConnectionState(cur, "UpdateCustomKeyStore of XksProxyUriEndpoint", "DISCONNECTED");
    }
    if (name !== undefined && name !== cur.name && (await storesOfPartition(ctx)).some((s) => s.name === name)) {
      throw new KmsError("CustomKeyStoreNameInUseException", `Custom key store name ${name} is already in use in this account and Region.`);
    }
    await checkXksUriFree(ctx, settings, cur.customKeyStoreId);
  };
  await check(rec);
  const password =
    input.XksProxyAuthenticationCredential === undefined
      ? rec.password
      : await hsm.wrapPassword(rec.customKeyStoreId, input.XksProxyAuthenticationCredential.RawSecretAccessKey);
  if (proxyChange) await probeXksProxy(hsm, { ...rec, xks: settings, password }, ctx, "UpdateCustomKeyStore");
  try {
    await mutateCustomKeyStore(ctx, rec, async (cur) => {
      await check(cur);
      return { ...cur, ...(name !== undefined ? { name } : {}), xks: settings, password };
    });
  } catch (e) {
    if (!(e instanceof DuplicateEntry)) throw e;
    throw new KmsError("CustomKeyStoreNameInUseException", `Custom key store name ${name ?? ""} is already in use in this account and Region.`);
  }
  return {};
}
