import type { CustomKeyStoresListEntry } from "../generated/kms-types.js";
import type { WrappedKey } from "../keystore/keystore.js";
import type { KeyRecord } from "./key-record.js";
import type { KeyState } from "./key-state-table.js";

/**
 * Custom key stores of type AWS_CLOUDHSM, backed by a PKCS#11 token that the operator configured
 * under a cluster id (TRENT_HSM_CLUSTERS). Pure: records, ids, and what the connection state
 * means for the keys in the store.
 */

export type ConnectionState = "CONNECTED" | "CONNECTING" | "FAILED" | "DISCONNECTED" | "DISCONNECTING";

/** The ConnectionErrorCode values that can describe a failed PKCS#11 or XKS proxy connection (AWS's enum). */
export type ConnectionErrorCode =
  | "INVALID_CREDENTIALS"
  | "CLUSTER_NOT_FOUND"
  | "NETWORK_ERRORS"
  | "INTERNAL_ERROR"
  | "USER_LOCKED_OUT"
  | "XKS_PROXY_ACCESS_DENIED"
  | "XKS_PROXY_INVALID_CONFIGURATION"
  | "XKS_PROXY_INVALID_RESPONSE"
  | "XKS_PROXY_INVALID_TLS_CONFIGURATION"
  | "XKS_PROXY_NOT_REACHABLE"
  | "XKS_PROXY_TIMED_OUT";

/** How an external key store reaches its proxy (only PUBLIC_ENDPOINT is supported). */
export interface XksProxySettings {
  readonly connectivity: "PUBLIC_ENDPOINT";
  /** `https://host[:port]` (plain `http://` only for loopback hosts, see xks-uri.ts). */
  readonly uriEndpoint: string;
  /** `[/prefix]/kms/xks/v1`. */
  readonly uriPath: string;
  /** Of the SigV4 credential; its secret is `password` (wrapped). */
  readonly accessKeyId: string;
}

export interface CustomKeyStoreRecord {
  /** `cks-` and 17 hex digits, as AWS makes them. */
  readonly customKeyStoreId: string;
  readonly accountId: string;
  readonly region: string;
  /** Unique within the account and region. */
  readonly name: string;
  readonly type: "AWS_CLOUDHSM" | "EXTERNAL_KEY_STORE";
  /**
   * Names a configured PKCS#11 token; one custom key store per cluster in the whole service.
   * An external key store has no cluster: it holds `xks:<customKeyStoreId>` (see
   * xksPlaceholderClusterId), so that the stores' unique cluster column needs no change.
   */
  readonly cloudHsmClusterId: string;
  /** Stored and returned as given (the content of customerCA.crt); empty for an external key store. */
  readonly trustAnchorCertificate: string;
  /**
   * KeyStorePassword (the token's user PIN), or for an external key store the proxy credential's
   * RawSecretAccessKey, wrapped under the root; never returned.
   */
  readonly password: WrappedKey;
  /** EXTERNAL_KEY_STORE only. */
  readonly xks?: XksProxySettings;
  readonly connectionState: ConnectionState;
  /** Only while connectionState is FAILED. */
  readonly connectionErrorCode?: ConnectionErrorCode;
  /** Epoch milliseconds. */
  readonly createdAt: number;
  /** Incremented by the store on every write; used for compare-and-swap. */
  readonly revision: number;
}

/** AWS's quota: custom key stores per account and Region. */
export const MAX_CUSTOM_KEY_STORES_PER_REGION = 10;

/** Label of the token object that holds the key material of a KMS key in a custom key store. */
export function hsmKeyLabel(keyId: string): string {
  return `trent-cks-${keyId}`;
}

/** Binding of a store's wrapped password: it can only be unwrapped for this store. */
export function customKeyStorePasswordBinding(customKeyStoreId: string): Buffer {
  return Buffer.from(`custom-key-store/${customKeyStoreId}`, "utf8");
}

const ID_RE = /^cks-[0-9a-f]{17}$/;

/** A new custom key store id from 9 random bytes (17 hex digits are used). */
export function newCustomKeyStoreId(random: (n: number) => Buffer): string {
  return `cks-${random(9).toString("hex").slice(0, 17)}`;
}

export function isCustomKeyStoreId(s: string): boolean {
  return ID_RE.test(s);
}

/** The model's pattern for CloudHsmClusterIdType. */
export const CLUSTER_ID_RE = /^cluster-[2-7a-zA-Z]{11,16}$/;

/**
 * The key state AWS reports for a key in a custom key store: PendingDeletion stays (so that the
 * deletion can be cancelled while disconnected); any other state reads Unavailable while the
 * store is not connected, and the stored state comes back when it is connected again.
 */
export function effectiveKeyState(stored: KeyState, connection: ConnectionState | undefined): KeyState {
  if (stored === "PendingDeletion" || connection === "CONNECTED") return stored;
  return "Unavailable";
}

/** The cluster column of an external key store (unique, never a valid cluster id). */
export function xksPlaceholderClusterId(customKeyStoreId: string): string {
  return `xks:${customKeyStoreId}`;
}

/** The entry DescribeCustomKeyStores returns: never the password or the proxy's secret access key. */
export function toCustomKeyStoresListEntry(s: CustomKeyStoreRecord): CustomKeyStoresListEntry {
  const typed =
    s.xks !== undefined
      ? {
          XksProxyConfiguration: {
            Connectivity: s.xks.connectivity,
            AccessKeyId: s.xks.accessKeyId,
            UriEndpoint: s.xks.uriEndpoint,
            UriPath: s.xks.uriPath,
          },
        }
      : { CloudHsmClusterId: s.cloudHsmClusterId, TrustAnchorCertificate: s.trustAnchorCertificate };
  return {
    CustomKeyStoreId: s.customKeyStoreId,
    CustomKeyStoreName: s.name,
    ...typed,
    ConnectionState: s.connectionState,
    ...(s.connectionState === "FAILED" && s.connectionErrorCode !== undefined ? { ConnectionErrorCode: s.connectionErrorCode } : {}),
    CreationDate: new Date(s.createdAt),
    CustomKeyStoreType: s.type,
  };
}

/** Whether a key lives in a custom key store (its material is a token object, not wrapped in the store). */
export function inCustomKeyStore(key: KeyRecord): key is KeyRecord & { readonly customKeyStoreId: string } {
  return key.customKeyStoreId !== undefined;
}
