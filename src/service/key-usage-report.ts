import { keyArn, parseKeyIdentifier } from "../domain/arn.js";
import { trackingStartFor } from "../domain/key-usage.js";
import type { Store } from "../store/store.js";

/** One backing-key version and how much it has been used since tracking began. */
export interface VersionUsageReport {
  readonly keyMaterialId: string;
  /** The version Encrypt uses now. */
  readonly current: boolean;
  /** False for usage recorded of a material the key no longer has. */
  readonly present: boolean;
  readonly origin: string | null;
  readonly createdAt: string | null;
  readonly encryptions: number;
  readonly decryptions: number;
  readonly lastEncryptAt: string | null;
  readonly lastDecryptAt: string | null;
}

/** What an operator reads before retiring a key or one of its versions. Times are ISO 8601. */
export interface KeyUsageReport {
  readonly keyId: string;
  readonly arn: string;
  readonly keyState: string;
  readonly keyCreationDate: string;
  /** Uses before this time are not counted (AWS's TrackingStartDate). */
  readonly trackingStartDate: string;
  readonly lastUsage: { readonly operation: string; readonly at: string; readonly requestId: string; readonly eventId: string } | null;
  /** Oldest first. */
  readonly versions: readonly VersionUsageReport[];
}

const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());

/** The usage report of a key named by key id or key ARN, from the store alone; undefined when there is no such key. */
export async function keyUsageReport(store: Store, keyIdOrArn: string): Promise<KeyUsageReport | undefined> {
  const id = parseKeyIdentifier(keyIdOrArn);
  if (id.kind !== "keyId" && id.kind !== "keyArn") return undefined;
  const key = await store.getKey(id.keyId);
  if (key === undefined || (id.kind === "keyArn" && (id.accountId !== key.accountId || id.region !== key.region))) return undefined;
  const [materials, usage, trackingStartedAt] = await Promise.all([
    store.listKeyMaterials(key.keyId),
    store.getKeyUsage(key.keyId),
    store.keyUsageTrackingStart(),
  ]);
  const counted = new Map((usage?.versions ?? []).map((v) => [v.materialId, v]));
  const versions: VersionUsageReport[] = materials.map((m) => {
    const v = counted.get(m.materialId);
    counted.delete(m.materialId);
    return {
      keyMaterialId: m.materialId,
      current: m.materialId === key.currentMaterialId,
      present: true,
      origin: m.origin,
      createdAt: iso(m.createdAt),
      encryptions: v?.encryptions ?? 0,
      decryptions: v?.decryptions ?? 0,
      lastEncryptAt: iso(v?.lastEncryptAt),
      lastDecryptAt: iso(v?.lastDecryptAt),
    };
  });
  for (const v of counted.values()) {
    versions.push({
      keyMaterialId: v.materialId,
      current: false,
      present: false,
      origin: null,
      createdAt: null,
      encryptions: v.encryptions,
      decryptions: v.decryptions,
      lastEncryptAt: iso(v.lastEncryptAt),
      lastDecryptAt: iso(v.lastDecryptAt),
    });
  }
  const last = usage?.last;
  return {
    keyId: key.keyId,
    arn: keyArn(key.region, key.accountId, key.keyId),
    keyState: key.keyState,
    keyCreationDate: new Date(key.createdAt).toISOString(),
    trackingStartDate: new Date(trackingStartFor(key.createdAt, trackingStartedAt)).toISOString(),
    lastUsage:
      last === undefined ? null : { operation: last.operation, at: new Date(last.at).toISOString(), requestId: last.requestId, eventId: last.eventId },
    versions,
  };
}
