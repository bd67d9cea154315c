import type { CreateCustomKeyStoreRequest, CreateCustomKeyStoreResponse } from "../../generated/kms-types.js";
import {
  MAX_CUSTOM_KEY_STORES_PER_REGION,
  newCustomKeyStoreId,
  xksPlaceholderClusterId,
  type CustomKeyStoreRecord,
} from "../../domain/custom-key-store.js";
import { KmsError } from "../../domain/errors.js";
import { DuplicateEntry } from "../../store/store.js";
import type { OpContext } from "../context.js";
import { requireCustomKeyStores, storesOfPartition } from "./custom-key-store-records.js";
import { requireMember } from "./required.js";
import { checkXksParameterSet, checkXksUriFree, probeXksProxy, xksSettings } from "./xks-store-settings.js";

function nameInUse(name: string): KmsError {
  return new KmsError("CustomKeyStoreNameInUseException", `Custom key store name ${name} is already in use in this account and Region.`);
}

/**
 * CreateCustomKeyStore for EXTERNAL_KEY_STORE (after authorization): PUBLIC_ENDPOINT connectivity,
 * the proxy's endpoint and path, and the SigV4 credential Trent signs proxy requests with (its
 * secret stored only wrapped under the root). The proxy must answer GetHealthStatus with that
 * credential, as AWS checks. The new store is DISCONNECTED.
 */
export async function createExternalKeyStore(ctx: OpContext, input: CreateCustomKeyStoreRequest): Promise<CreateCustomKeyStoreResponse> {
  checkXksParameterSet(input);
  const connectivity = requireMember(input.XksProxyConnectivity, "xksProxyConnectivity");
  const endpoint = requireMember(input.XksProxyUriEndpoint, "xksProxyUriEndpoint");
  const uriPath = requireMember(input.XksProxyUriPath, "xksProxyUriPath");
  const credential = requireMember(input.XksProxyAuthenticationCredential, "xksProxyAuthenticationCredential");
  if (connectivity !== "PUBLIC_ENDPOINT") throw new KmsError("UnsupportedOperationException", `XksProxyConnectivity ${connectivity} is not supported.`);
  const hsm = requireCustomKeyStores(ctx);
  const settings = xksSettings(endpoint, uriPath, credential.AccessKeyId, hsm.loopbackHttpProxies);
  const mine = await storesOfPartition(ctx);
  if (mine.some((s) => s.name === input.CustomKeyStoreName)) throw nameInUse(input.CustomKeyStoreName);
  await checkXksUriFree(ctx, settings, undefined);
  if (mine.length >= MAX_CUSTOM_KEY_STORES_PER_REGION) {
    throw new KmsError("LimitExceededException", `This account and Region already have ${MAX_CUSTOM_KEY_STORES_PER_REGION} custom key stores.`);
  }
  const customKeyStoreId = newCustomKeyStoreId(ctx.random);
  const rec: CustomKeyStoreRecord = {
    customKeyStoreId,
    accountId: ctx.caller.accountId,
    region: ctx.caller.region,
    name: input.CustomKeyStoreName,
    type: "EXTERNAL_KEY_STORE",
    cloudHsmClusterId: xksPlaceholderClusterId(customKeyStoreId),
    trustAnchorCertificate: "",
    password: await hsm.wrapPassword(customKeyStoreId, credential.RawSecretAccessKey),
    xks: settings,
    connectionState: "DISCONNECTED",
    createdAt: ctx.now(),
    revision: 0,
  };
  await probeXksProxy(hsm, rec, ctx, "CreateCustomKeyStore");
  try {
    await ctx.store.createCustomKeyStore(rec);
  } catch (e) {
    if (!(e instanceof DuplicateEntry)) throw e;
    throw nameInUse(rec.name);
  }
  hsm.remember(customKeyStoreId, { ...rec, revision: 1 });
  return { CustomKeyStoreId: customKeyStoreId };
}
