import { accessKeyBinding } from "../api/credentials.js";
import { auditSigningKeyRootVersion, rewrapAuditSigningKey } from "../audit/rewrap-signing-key.js";
import { auditDir } from "../audit/index.js";
import { customKeyStorePasswordBinding } from "../domain/custom-key-store.js";
import { materialBinding } from "../domain/key-record.js";
import type { Keystore } from "../keystore/keystore.js";
import type { Store, WrappedRef } from "../store/store.js";

export interface RewrapReport {
  readonly rootVersion: string;
  readonly rewrapped: number;
  /** Secrets that could not be re-wrapped this time (they keep working under their old root). */
  readonly failed: number;
  /** Root versions retired because nothing referred to them any more. */
  readonly retired: readonly string[];
}

function bindingOf(ref: WrappedRef): Buffer {
  if (ref.kind === "custom-key-store") return customKeyStorePasswordBinding(ref.customKeyStoreId);
  return ref.kind === "material" ? materialBinding(ref.keyId, ref.materialId) : accessKeyBinding(ref.accessKeyId);
}

function refId(ref: WrappedRef): string {
  if (ref.kind === "custom-key-store") return `c/${ref.customKeyStoreId}`;
  return ref.kind === "material" ? `m/${ref.keyId}/${ref.materialId}` : `a/${ref.accessKeyId}`;
}

/**
 * Moves every wrapped secret (key material, access-key secrets, the audit signing key) under the
 * keystore's current root version (STS role sessions under an older root are deleted instead), while the service keeps serving: each secret is swapped with a
 * compare-and-swap, so a concurrent change simply wins. Then retires root versions nothing refers
 * to. Idempotent: after a crash, running it again finishes the job.
 */
export async function rewrapUnderCurrentRoot(store: Store, keystore: Keystore, dataDir: string): Promise<RewrapReport> {
  const current = keystore.status().rootVersion;
  if (current === undefined) throw new Error("the keystore has no current root version");
  const failedIds = new Set<string>();
  let rewrapped = 0;
  for (let round = 0; round < 100_000; round++) {
    const batch = (await store.listWrappedNotUnder(current, 200 + failedIds.size)).filter((r) => !failedIds.has(refId(r)));
    if (batch.length === 0) break;
    for (const ref of batch) {
      try {
        const secret = await keystore.unwrap(ref.wrapped, bindingOf(ref));
        try {
          const next = await keystore.wrap(secret, bindingOf(ref));
          if (await store.replaceWrapped(ref, next)) rewrapped++;
        } finally {
          secret.dispose();
        }
      } catch {
        failedIds.add(refId(ref));
      }
    }
  }
  // STS role sessions are short-lived: rather than re-wrapped, those under an older root end here
  // (their callers assume the role again).
  await store.deleteRoleSessionsNotUnder(current);
  const audit = auditDir(dataDir);
  if (await rewrapAuditSigningKey(audit, keystore)) rewrapped++;
  const auditVersion = await auditSigningKeyRootVersion(audit);
  const retired: string[] = [];
  for (const v of keystore.rootVersions()) {
    if (v === current || v === auditVersion) continue;
    if ((await store.countWrappedUnder(v)) === 0) {
      await keystore.retireRootVersion(v);
      retired.push(v);
    }
  }
  return { rootVersion: current, rewrapped, failed: failedIds.size, retired };
}

/** `trent operator rotate-root`: a new root version, then everything re-wrapped under it. */
export async function rotateRoot(store: Store, keystore: Keystore, dataDir: string): Promise<RewrapReport> {
  await keystore.rotateRoot();
  return rewrapUnderCurrentRoot(store, keystore, dataDir);
}

/** True when some root version other than the current one is still held (a rotation to finish). */
export function rotationPending(keystore: Keystore): boolean {
  return keystore.rootVersions().length > 1;
}
