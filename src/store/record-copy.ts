import type { CustomKeyStoreRecord } from "../domain/custom-key-store.js";
import type { GrantRecord } from "../domain/grant-record.js";
import type { AliasRecord, KeyMaterialRecord, KeyRecord } from "../domain/key-record.js";
import type { WrappedKey } from "../keystore/keystore.js";
import type { AccessKeyRecord, PrincipalRecord, RoleSessionRecord, WrappedRef } from "./store.js";

/** Deep copies so that no caller shares mutable state with a store. */
export function copyKey(k: KeyRecord): KeyRecord {
  return structuredClone(k);
}

export function copyMaterial(m: KeyMaterialRecord): KeyMaterialRecord {
  const { publicKey, ...rest } = m;
  const out: KeyMaterialRecord = { ...rest, wrapped: { rootVersion: m.wrapped.rootVersion, blob: Buffer.from(m.wrapped.blob) } };
  return publicKey === undefined ? out : { ...out, publicKey: Buffer.from(publicKey) };
}

export function copyAlias(a: AliasRecord): AliasRecord {
  return { ...a };
}

export function copyPrincipal(p: PrincipalRecord): PrincipalRecord {
  return { ...p, policies: { ...p.policies } };
}

export function copyAccessKey(k: AccessKeyRecord): AccessKeyRecord {
  return { ...k, secret: { rootVersion: k.secret.rootVersion, blob: Buffer.from(k.secret.blob) } };
}

export function copyGrant(g: GrantRecord): GrantRecord {
  return structuredClone(g);
}

export function copyWrapped(w: WrappedKey): WrappedKey {
  return { rootVersion: w.rootVersion, blob: Buffer.from(w.blob) };
}

export function copyWrappedRef(r: WrappedRef): WrappedRef {
  return { ...r, wrapped: copyWrapped(r.wrapped) };
}

export function copyCustomKeyStore(c: CustomKeyStoreRecord): CustomKeyStoreRecord {
  return { ...c, password: copyWrapped(c.password) };
}

export function copyRoleSession(r: RoleSessionRecord): RoleSessionRecord {
  return { ...r, secret: { rootVersion: r.secret.rootVersion, blob: Buffer.from(r.secret.blob) }, tokenHash: Buffer.from(r.tokenHash) };
}
