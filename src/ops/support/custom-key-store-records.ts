import type { ConnectionState, CustomKeyStoreRecord } from "../../domain/custom-key-store.js";
import { KmsError } from "../../domain/errors.js";
import { RevisionConflict } from "../../store/store.js";
import type { OpContext } from "../context.js";
import type { CustomKeyStores } from "./custom-key-stores.js";

/**
 * What the custom key store operations share: finding a store of the caller's account and region,
 * changing one with compare-and-swap, and AWS's errors.
 */

export function requireCustomKeyStores(ctx: OpContext): CustomKeyStores {
  if (ctx.customKeyStores === undefined) throw new KmsError("KMSInternalException", "Custom key stores are not available in this process.");
  return ctx.customKeyStores;
}

export function customKeyStoreNotFound(id: string): KmsError {
  return new KmsError("CustomKeyStoreNotFoundException", `Custom key store ${id} does not exist.`);
}

/** The store with this id in the caller's account and region (another account's store does not exist for the caller). */
export async function findCustomKeyStore(ctx: OpContext, id: string): Promise<CustomKeyStoreRecord> {
  const rec = await ctx.store.getCustomKeyStore(id);
  if (rec === undefined || rec.accountId !== ctx.caller.accountId || rec.region !== ctx.caller.region) throw customKeyStoreNotFound(id);
  return rec;
}

/** Every store of the caller's account and region (a handful: AWS allows 10), ordered by id. */
export async function storesOfPartition(ctx: OpContext): Promise<CustomKeyStoreRecord[]> {
  return allStores(ctx, { accountId: ctx.caller.accountId, region: ctx.caller.region });
}

/** Every store of a partition, or of the whole service. */
export async function allStores(
  ctx: OpContext,
  partition: { readonly accountId: string; readonly region: string } | undefined,
): Promise<CustomKeyStoreRecord[]> {
  const out: CustomKeyStoreRecord[] = [];
  for (let after: string | undefined; ; ) {
    const page = await ctx.store.listCustomKeyStores(partition, after, 100);
    out.push(...page.items);
    if (page.next === undefined) return out;
    after = page.next;
  }
}

/** CustomKeyStoreInvalidStateException: `operation` needs another connection state. */
export function invalidConnectionState(rec: CustomKeyStoreRecord, operation: string, needs: string): KmsError {
  return new KmsError(
    "CustomKeyStoreInvalidStateException",
    `${operation} is not valid for custom key store ${rec.customKeyStoreId}, whose ConnectionState is ${rec.connectionState}; it requires ${needs}.`,
  );
}

/**
 * Applies `edit` with compare-and-swap, re-reading and re-running it when another writer got there
 * first (`edit` may throw to abandon). The stored record is remembered by the connection cache.
 */
export async function mutateCustomKeyStore(
  ctx: OpContext,
  rec: CustomKeyStoreRecord,
  edit: (current: CustomKeyStoreRecord) => CustomKeyStoreRecord | Promise<CustomKeyStoreRecord>,
): Promise<CustomKeyStoreRecord> {
  let current = rec;
  for (let attempt = 0; ; attempt++) {
    const next = await edit(current);
    try {
      const stored = await ctx.store.updateCustomKeyStore(next, current.revision);
      ctx.customKeyStores?.remember(stored.customKeyStoreId, stored);
      return stored;
    } catch (e) {
      if (!(e instanceof RevisionConflict) || attempt >= 20) throw e;
      current = await findCustomKeyStore(ctx, rec.customKeyStoreId);
    }
  }
}

/** The record with a new connection state (an error code only with FAILED). */
export function withConnectionState(
  rec: CustomKeyStoreRecord,
  state: ConnectionState,
  code?: CustomKeyStoreRecord["connectionErrorCode"],
): CustomKeyStoreRecord {
  const { connectionErrorCode: _old, ...rest } = rec;
  return state === "FAILED" && code !== undefined ? { ...rest, connectionState: state, connectionErrorCode: code } : { ...rest, connectionState: state };
}

const XKS_PARAMETERS = [
  "XksProxyUriEndpoint",
  "XksProxyUriPath",
  "XksProxyVpcEndpointServiceName",
  "XksProxyVpcEndpointServiceOwner",
  "XksProxyAuthenticationCredential",
  "XksProxyConnectivity",
] as const;

/** External key store parameters given for an AWS_CLOUDHSM key store. */
export function rejectXksParameters(input: Partial<Record<(typeof XKS_PARAMETERS)[number], unknown>>): void {
  for (const name of XKS_PARAMETERS) {
    if (input[name] !== undefined) {
      throw new KmsError("ValidationException", `${name} is valid only for custom key stores with a CustomKeyStoreType of EXTERNAL_KEY_STORE.`);
    }
  }
}
