import type { CustomKeyStoreRecord, XksProxySettings } from "../../domain/custom-key-store.js";
import { KmsError } from "../../domain/errors.js";
import { parseXksEndpoint, validateXksUriPath } from "../../domain/xks-uri.js";
import type { OpContext } from "../context.js";
import { storesOfPartition } from "./custom-key-store-records.js";
import type { CustomKeyStores } from "./custom-key-stores.js";
import { xksStoreAdminError } from "./xks-errors.js";
import { XksProxyFailure } from "./xks-proxy-client.js";

/**
 * What CreateCustomKeyStore and UpdateCustomKeyStore share for external key stores: the
 * connectivity rule (PUBLIC_ENDPOINT only), the uniqueness of the proxy URI in the account and
 * Region, and the GetHealthStatus probe that proves the endpoint, path and credential work.
 */

export interface XksInput {
  readonly CloudHsmClusterId?: string | undefined;
  readonly TrustAnchorCertificate?: string | undefined;
  readonly KeyStorePassword?: string | undefined;
  readonly XksProxyVpcEndpointServiceName?: string | undefined;
  readonly XksProxyVpcEndpointServiceOwner?: string | undefined;
  readonly XksProxyConnectivity?: string | undefined;
}

/** AWS_CLOUDHSM parameters given for an external key store; VPC endpoint service connectivity. */
export function checkXksParameterSet(input: XksInput): void {
  for (const name of ["CloudHsmClusterId", "TrustAnchorCertificate", "KeyStorePassword"] as const) {
    if (input[name] !== undefined) {
      throw new KmsError("ValidationException", `${name} is valid only for custom key stores with a CustomKeyStoreType of AWS_CLOUDHSM.`);
    }
  }
  if (input.XksProxyConnectivity === "VPC_ENDPOINT_SERVICE") {
    throw new KmsError(
      "UnsupportedOperationException",
      "XksProxyConnectivity VPC_ENDPOINT_SERVICE is not supported by Trent: it has no Amazon VPC. Use PUBLIC_ENDPOINT with an https:// proxy endpoint.",
    );
  }
  for (const name of ["XksProxyVpcEndpointServiceName", "XksProxyVpcEndpointServiceOwner"] as const) {
    if (input[name] !== undefined) {
      throw new KmsError("ValidationException", `${name} is valid only when XksProxyConnectivity is VPC_ENDPOINT_SERVICE.`);
    }
  }
}

/** The settings of a proxy address (endpoint and path validated) and the credential's access key id. */
export function xksSettings(endpoint: string, uriPath: string, accessKeyId: string, loopbackHttp: boolean): XksProxySettings {
  parseXksEndpoint(endpoint, { loopbackHttp });
  validateXksUriPath(uriPath);
  return { connectivity: "PUBLIC_ENDPOINT", uriEndpoint: endpoint, uriPath, accessKeyId };
}

/** XksProxyUriInUseException when another store of the partition has the same endpoint and path. */
export async function checkXksUriFree(ctx: OpContext, settings: XksProxySettings, except: string | undefined): Promise<void> {
  const others = (await storesOfPartition(ctx)).filter((s) => s.customKeyStoreId !== except && s.xks !== undefined);
  if (others.some((s) => s.xks?.uriEndpoint === settings.uriEndpoint && s.xks.uriPath === settings.uriPath)) {
    throw new KmsError(
      "XksProxyUriInUseException",
      `The concatenation of the XksProxyUriEndpoint and XksProxyUriPath ${settings.uriEndpoint}${settings.uriPath} is already associated with an external key store in this account and Region.`,
    );
  }
}

/** GetHealthStatus with these settings; AWS's Create/UpdateCustomKeyStore error when it fails. */
export async function probeXksProxy(hsm: CustomKeyStores, rec: CustomKeyStoreRecord, ctx: OpContext, operation: string): Promise<void> {
  try {
    await hsm.xksHealth(rec, operation, ctx.requestId);
  } catch (e) {
    if (e instanceof XksProxyFailure) throw xksStoreAdminError(e);
    throw e;
  }
}
