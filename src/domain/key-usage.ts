/**
 * Key usage: what GetKeyLastUsage reports (the last successful cryptographic use of a key) and,
 * beyond AWS, how often each backing-key version encrypted and decrypted, so that an operator can
 * tell whether an old version is still needed. Pure: no I/O. Times are epoch milliseconds.
 */
import { shapes } from "../generated/kms-model.js";

/**
 * The operations that count as a use of a key: AWS's KeyLastUsageTrackingOperation enum, read
 * from the tables generated from the model. GenerateRandom, GetPublicKey and every management
 * operation are not uses.
 */
export const TRACKED_OPERATIONS: ReadonlySet<string> = new Set(trackedOperations());

function trackedOperations(): readonly string[] {
  const shape = shapes["KeyLastUsageTrackingOperation"];
  if (shape?.type !== "string" || shape.enum === undefined) throw new Error("the model has no KeyLastUsageTrackingOperation enum");
  return shape.enum;
}

/** The last successful cryptographic use of a key. */
export interface LastKeyUse {
  readonly at: number;
  readonly operation: string;
  /** The KMS request id (x-amzn-requestid). */
  readonly requestId: string;
  /** The eventID of the call's audit record. */
  readonly eventId: string;
}

/** Counts of one backing-key version (key material). */
export interface VersionUsage {
  readonly materialId: string;
  /** Encrypt, GenerateDataKey*, GenerateDataKeyPair*, ReEncrypt (destination). */
  readonly encryptions: number;
  /** Decrypt, ReEncrypt (source). */
  readonly decryptions: number;
  readonly lastEncryptAt?: number;
  readonly lastDecryptAt?: number;
}

/**
 * What is known of one key's use. Stored, it is the total; handed to the store (addKeyUsage), it
 * is a delta: counts are added to the stored ones, times keep the later, and `last` replaces the
 * stored one only when it is later.
 */
export interface KeyUsageRecord {
  readonly keyId: string;
  readonly last?: LastKeyUse;
  /** Ordered by material id. */
  readonly versions: readonly VersionUsage[];
}

function later(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.max(a, b);
}

/** The later of two last uses (b on a tie: it was observed after a). */
export function laterUse(a: LastKeyUse | undefined, b: LastKeyUse | undefined): LastKeyUse | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return b.at >= a.at ? b : a;
}

export function addVersionUsage(a: VersionUsage, b: VersionUsage): VersionUsage {
  const lastEncryptAt = later(a.lastEncryptAt, b.lastEncryptAt);
  const lastDecryptAt = later(a.lastDecryptAt, b.lastDecryptAt);
  return {
    materialId: a.materialId,
    encryptions: a.encryptions + b.encryptions,
    decryptions: a.decryptions + b.decryptions,
    ...(lastEncryptAt !== undefined ? { lastEncryptAt } : {}),
    ...(lastDecryptAt !== undefined ? { lastDecryptAt } : {}),
  };
}

/** `delta` applied to `base` (either may be absent): the store's upsert, in memory. */
export function mergeKeyUsage(base: KeyUsageRecord | undefined, delta: KeyUsageRecord): KeyUsageRecord {
  const versions = new Map((base?.versions ?? []).map((v) => [v.materialId, v]));
  for (const v of delta.versions) {
    const cur = versions.get(v.materialId);
    versions.set(v.materialId, cur === undefined ? v : addVersionUsage(cur, v));
  }
  const last = laterUse(base?.last, delta.last);
  return { keyId: delta.keyId, ...(last !== undefined ? { last } : {}), versions: [...versions.values()].sort(byMaterialId) };
}

function byMaterialId(a: VersionUsage, b: VersionUsage): number {
  return a.materialId < b.materialId ? -1 : a.materialId > b.materialId ? 1 : 0;
}

/**
 * AWS's TrackingStartDate: when tracking began, or the key's creation, whichever is later. A key
 * created before tracking began may have been used before it.
 */
export function trackingStartFor(keyCreatedAt: number, trackingStartedAt: number | undefined): number {
  return trackingStartedAt === undefined ? keyCreatedAt : Math.max(keyCreatedAt, trackingStartedAt);
}
