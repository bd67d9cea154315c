import type { CallOutcome } from "../api/dispatcher.js";
import { FORMAT_SYMMETRIC_V1, KEY_ID_LEN, MATERIAL_ID_LEN } from "../crypto/ciphertext-blob.js";
import { TRACKED_OPERATIONS, mergeKeyUsage, type KeyUsageRecord, type VersionUsage } from "../domain/key-usage.js";
import type { Store } from "../store/store.js";
import { auditEventId } from "./service-audit.js";

/** A version id that stands for "the key's current material", resolved when flushed. */
const CURRENT = "";

interface PendingVersion {
  encryptions: number;
  decryptions: number;
  lastEncryptAt: number | undefined;
  lastDecryptAt: number | undefined;
}

interface PendingKey {
  last: { at: number; operation: string; requestId: string } | undefined;
  versions: Map<string, PendingVersion>;
}

type Use = "encrypt" | "decrypt" | "other";

/**
 * Keys written per store call. With 100,000 keys in use, one flush covers tens of thousands of
 * keys. Built and written at once, its records outlived the young generation and were promoted
 * (about 30 MB of old-generation garbage every 15 s in the 100,000-key benchmark), and SQLite's
 * synchronous writes held the event loop for the whole flush. A chunk of 250 keys takes 3-4 ms
 * (measured on the 100,000-key store), and requests are served between chunks.
 */
export const FLUSH_CHUNK = 250;

/** Operations that encrypt under the key they name (the output's KeyMaterialId says which version). */
const ENCRYPTING = new Set([
  "GenerateDataKey",
  "GenerateDataKeyWithoutPlaintext",
  "GenerateDataKeyPair",
  "GenerateDataKeyPairWithoutPlaintext",
]);

function keyIdOf(arnOrId: unknown): string | undefined {
  if (typeof arnOrId !== "string" || arnOrId === "") return undefined;
  return arnOrId.startsWith("arn:") ? arnOrId.slice(arnOrId.lastIndexOf("/") + 1) : arnOrId;
}

function stringOr(v: unknown, fallback: string): string {
  return typeof v === "string" && v !== "" ? v : fallback;
}

/** The backing-key version a symmetric ciphertext names (read from its header), else CURRENT. */
function materialOfCiphertext(blob: unknown, algorithm: unknown): string {
  if (algorithm !== "SYMMETRIC_DEFAULT" || !(blob instanceof Uint8Array)) return CURRENT;
  const start = 1 + KEY_ID_LEN;
  if (blob.length < start + MATERIAL_ID_LEN || blob[0] !== FORMAT_SYMMETRIC_V1) return CURRENT;
  return Buffer.from(blob.buffer, blob.byteOffset + start, MATERIAL_ID_LEN).toString("hex");
}

/**
 * Tracks key usage in memory as calls are answered (a Map update per successful cryptographic
 * call, from the dispatcher's onOutcome) and adds it to the store in batches: every
 * `flush()` (a timer calls it) and at stop. Per key: the last use (operation, time, request id);
 * per backing-key version: encryptions, decryptions and their last times.
 *
 * The version comes from the call's output: KeyMaterialId members, or the header of a symmetric
 * ciphertext that Encrypt returned. Asymmetric keys report none; their only material is the key's
 * current one, looked up when the batch is flushed.
 */
export class KeyUsageTracker {
  readonly #store: Store;
  #pending = new Map<string, PendingKey>();
  /** The batch being written, still counted by usageOf until the write is done. */
  #flushing: Map<string, PendingKey> | undefined;
  #chain: Promise<void> = Promise.resolve();
  /** Serializes chunk writes (with the removal of their keys from the batch) and usageOf reads. */
  #lock: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;

  constructor(store: Store) {
    this.#store = store;
  }

  /** Records the call if it was a successful use of a key. Never throws. */
  observe(o: CallOutcome): void {
    if (o.errorCode !== undefined || o.operation === undefined || !TRACKED_OPERATIONS.has(o.operation)) return;
    const out = o.output;
    if (typeof out !== "object" || out === null) return;
    const m = out as Record<string, unknown>;
    const op = o.operation;
    const at = Math.floor(o.startedAt);
    if (op === "ReEncrypt") {
      // Both keys were used: the source decrypted, the destination encrypted (AWS records both).
      this.#use(keyIdOf(m["SourceKeyId"]), op, at, o.requestId, "decrypt", stringOr(m["SourceKeyMaterialId"], CURRENT));
      this.#use(keyIdOf(m["KeyId"]), op, at, o.requestId, "encrypt", stringOr(m["DestinationKeyMaterialId"], CURRENT));
    } else if (op === "Encrypt") {
      this.#use(keyIdOf(m["KeyId"]), op, at, o.requestId, "encrypt", materialOfCiphertext(m["CiphertextBlob"], m["EncryptionAlgorithm"]));
    } else if (op === "Decrypt") {
      this.#use(keyIdOf(m["KeyId"]), op, at, o.requestId, "decrypt", stringOr(m["KeyMaterialId"], CURRENT));
    } else if (ENCRYPTING.has(op)) {
      this.#use(keyIdOf(m["KeyId"]), op, at, o.requestId, "encrypt", stringOr(m["KeyMaterialId"], CURRENT));
    } else {
      this.#use(keyIdOf(m["KeyId"]), op, at, o.requestId, "other", CURRENT);
    }
  }

  #use(keyId: string | undefined, operation: string, at: number, requestId: string, use: Use, materialId: string): void {
    if (keyId === undefined) return;
    let p = this.#pending.get(keyId);
    if (p === undefined) {
      p = { last: undefined, versions: new Map() };
      this.#pending.set(keyId, p);
    }
    if (p.last === undefined || at >= p.last.at) p.last = { at, operation, requestId };
    if (use === "other") return;
    let v = p.versions.get(materialId);
    if (v === undefined) {
      v = { encryptions: 0, decryptions: 0, lastEncryptAt: undefined, lastDecryptAt: undefined };
      p.versions.set(materialId, v);
    }
    if (use === "encrypt") {
      v.encryptions++;
      if (v.lastEncryptAt === undefined || at > v.lastEncryptAt) v.lastEncryptAt = at;
    } else {
      v.decryptions++;
      if (v.lastDecryptAt === undefined || at > v.lastDecryptAt) v.lastDecryptAt = at;
    }
  }

  /** Keys with usage not yet in the store. */
  get pendingKeys(): number {
    return this.#pending.size + (this.#flushing?.size ?? 0);
  }

  /**
   * A key's usage as the store has it plus what is not flushed yet, so that GetKeyLastUsage sees a
   * use at once. (Versions not yet resolved appear under the material id "".)
   */
  async usageOf(keyId: string): Promise<KeyUsageRecord | undefined> {
    // Not while a chunk is being written: the store read could see the chunk committed while
    // the batch still holds it (counted twice), or not yet while the batch no longer does.
    return this.#exclusive(async () => {
      let u = await this.#store.getKeyUsage(keyId);
      for (const batch of [this.#flushing, this.#pending]) {
        const p = batch?.get(keyId);
        if (p !== undefined) u = mergeKeyUsage(u, toRecord(keyId, p, p.versions));
      }
      return u;
    });
  }

  /** Runs `fn` when no chunk write and no other usageOf is in progress. */
  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#lock.then(fn);
    this.#lock = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /**
   * The store as the service's operations see it: the same store, but getKeyUsage answers through
   * usageOf (stored plus pending). Reads of this tracker go to the store it was given.
   */
  storeView<S extends Store>(store: S): S {
    const members = new Map<PropertyKey, unknown>([["getKeyUsage", (keyId: string) => this.usageOf(keyId)]]);
    return new Proxy(store, {
      get(target, prop) {
        if (members.has(prop)) return members.get(prop);
        const value: unknown = Reflect.get(target, prop, target);
        if (typeof value !== "function") return value;
        const bound = (value as (...args: unknown[]) => unknown).bind(target);
        members.set(prop, bound);
        return bound;
      },
    });
  }

  /**
   * Writes what is pending to the store, FLUSH_CHUNK keys per store call (a transaction each).
   * What a call wrote is counted by the store from then on; on a failure, the keys not written yet
   * stay pending.
   */
  flush(): Promise<void> {
    const run = this.#chain.then(() => this.#flushOnce());
    this.#chain = run.catch(() => undefined);
    return run;
  }

  async #flushOnce(): Promise<void> {
    if (this.#pending.size === 0) return;
    const batch = this.#pending;
    this.#pending = new Map();
    this.#flushing = batch;
    try {
      while (batch.size > 0) {
        const keys: string[] = [];
        const deltas: KeyUsageRecord[] = [];
        for (const [keyId, p] of batch) {
          deltas.push(toRecord(keyId, p, await this.#resolveCurrent(keyId, p.versions)));
          keys.push(keyId);
          if (keys.length >= FLUSH_CHUNK) break;
        }
        await this.#exclusive(async () => {
          await this.#store.addKeyUsage(deltas);
          for (const k of keys) batch.delete(k);
        });
        // Requests are served between chunks: SQLite writes synchronously, and a flush of tens of
        // thousands of keys would otherwise hold the event loop for its whole length.
        if (batch.size > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } catch (e) {
      for (const [keyId, p] of batch) this.#pending.set(keyId, mergePending(p, this.#pending.get(keyId)));
      throw e;
    } finally {
      this.#flushing = undefined;
    }
  }

  /** Replaces CURRENT by the key's current material id (dropped when the key is gone). */
  async #resolveCurrent(keyId: string, versions: Map<string, PendingVersion>): Promise<Map<string, PendingVersion>> {
    const current = versions.get(CURRENT);
    if (current === undefined) return versions;
    const out = new Map(versions);
    out.delete(CURRENT);
    const materialId = (await this.#store.getKey(keyId))?.currentMaterialId;
    if (materialId !== undefined) {
      const same = out.get(materialId);
      out.set(materialId, same === undefined ? current : addPending(same, current));
    }
    return out;
  }

  /** Flushes every `intervalMs` (the timer does not keep the process alive). */
  start(intervalMs: number, onError: (e: unknown) => void): void {
    this.#timer = setInterval(() => void this.flush().catch(onError), intervalMs);
    this.#timer.unref();
  }

  /** Stops the timer and flushes what is pending. */
  async stop(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.flush();
  }

  /** Forgets everything pending (dev-mode reset). */
  clear(): void {
    this.#pending.clear();
  }
}

function addPending(a: PendingVersion, b: PendingVersion): PendingVersion {
  const later = (x: number | undefined, y: number | undefined) => (x === undefined ? y : y === undefined ? x : Math.max(x, y));
  return {
    encryptions: a.encryptions + b.encryptions,
    decryptions: a.decryptions + b.decryptions,
    lastEncryptAt: later(a.lastEncryptAt, b.lastEncryptAt),
    lastDecryptAt: later(a.lastDecryptAt, b.lastDecryptAt),
  };
}

function mergePending(a: PendingKey, b: PendingKey | undefined): PendingKey {
  if (b === undefined) return a;
  const versions = new Map(a.versions);
  for (const [id, v] of b.versions) {
    const cur = versions.get(id);
    versions.set(id, cur === undefined ? v : addPending(cur, v));
  }
  const last = a.last === undefined ? b.last : b.last === undefined || a.last.at > b.last.at ? a.last : b.last;
  return { last, versions };
}

function toRecord(keyId: string, p: PendingKey, versions: Map<string, PendingVersion>): KeyUsageRecord {
  const vs: VersionUsage[] = [];
  for (const [materialId, v] of versions) {
    vs.push({
      materialId,
      encryptions: v.encryptions,
      decryptions: v.decryptions,
      ...(v.lastEncryptAt !== undefined ? { lastEncryptAt: v.lastEncryptAt } : {}),
      ...(v.lastDecryptAt !== undefined ? { lastDecryptAt: v.lastDecryptAt } : {}),
    });
  }
  const last = p.last;
  return {
    keyId,
    ...(last !== undefined ? { last: { ...last, eventId: auditEventId(last.requestId) } } : {}),
    versions: vs,
  };
}
