import type { KeyRecord } from "../domain/key-record.js";
import type { Keystore } from "../keystore/keystore.js";
import type { KeyMaterials } from "../ops/support/key-materials.js";
import type { CachedStore } from "../store/cached-store.js";

export interface CacheWarmerOptions {
  readonly store: CachedStore;
  readonly materials: KeyMaterials;
  readonly keystore: Keystore;
  /** Most keys read in all (the caches' bound); default 100,000. */
  readonly maxKeys?: number;
  /** Keys per listKeys page. */
  readonly pageSize?: number;
  /** Longest run of work between two yields to the event loop, in ms; default 2. */
  readonly sliceMs?: number;
  /** Told once when warming stops early (an error, the keystore sealed); never key data. */
  readonly onStop?: (reason: string) => void;
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Warms the request path's caches after a start: the first call from an account and region
 * starts a background walk over that partition's keys (listKeys pages), which puts the key
 * records into the store cache (CachedStore.listKeysIntoCache) and unwraps the current material
 * of every enabled key into KeyMaterials. Without it a large key set is served from cold caches
 * for a long time: with 100,000 keys used at random, every key's first use pays a store read, a
 * JSON parse and an unwrap, and most requests in the first minutes are such first uses.
 *
 * The walk works in slices of at most `sliceMs` and yields to the event loop between them, so
 * requests keep being served; it stops at the caches' bound, when the keystore is sealed, at the
 * first error, and at stop(). Keys behind an HSM (PKCS#11 keystore) are not unwrapped ahead:
 * that would be one HSM call per key. Nothing here decides anything: every request is still
 * authorized and state-checked on the records it reads.
 */
export class CacheWarmer {
  readonly #o: CacheWarmerOptions;
  readonly #maxKeys: number;
  readonly #pageSize: number;
  readonly #sliceMs: number;
  readonly #seen = new Set<string>();
  readonly #queue: { readonly accountId: string; readonly region: string }[] = [];
  #lastAccount = "";
  #lastRegion = "";
  #keys = 0;
  #running: Promise<void> | undefined;
  #stopped = false;

  constructor(options: CacheWarmerOptions) {
    this.#o = options;
    this.#maxKeys = options.maxKeys ?? 100_000;
    this.#pageSize = options.pageSize ?? 500;
    this.#sliceMs = options.sliceMs ?? 2;
  }

  /** Keys read so far. */
  get keysRead(): number {
    return this.#keys;
  }

  /** Notes a call from an account and region; the first one of a partition starts its warming. */
  seen(accountId: string, region: string): void {
    if (this.#stopped || (accountId === this.#lastAccount && region === this.#lastRegion)) return;
    this.#lastAccount = accountId;
    this.#lastRegion = region;
    const id = `${accountId}\u0000${region}`;
    if (this.#seen.has(id)) return;
    this.#seen.add(id);
    this.#queue.push({ accountId, region });
    this.#running ??= this.#run().finally(() => (this.#running = undefined));
  }

  /** Resolves when the partitions seen so far are warmed (or warming stopped). */
  async idle(): Promise<void> {
    while (this.#running !== undefined) await this.#running;
  }

  /** Stops warming; resolves once the slice in progress is done. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#running;
  }

  async #run(): Promise<void> {
    try {
      let sliceStart = performance.now();
      for (let p = this.#queue.shift(); p !== undefined && !this.#stopped; p = this.#queue.shift()) {
        let after: string | undefined;
        do {
          if (this.#keys >= this.#maxKeys) return this.#stop("the caches are full");
          if (this.#o.keystore.status().sealed) return this.#stop("the keystore is sealed");
          const page = await this.#o.store.listKeysIntoCache(p.accountId, p.region, after, this.#pageSize);
          this.#keys += page.items.length;
          after = page.next;
          for (const key of page.items) {
            if (this.#stopped) return;
            if (performance.now() - sliceStart >= this.#sliceMs) {
              await yieldToEventLoop();
              sliceStart = performance.now();
            }
            await this.#warmMaterial(key);
          }
          if (performance.now() - sliceStart >= this.#sliceMs) {
            await yieldToEventLoop();
            sliceStart = performance.now();
          }
        } while (after !== undefined && !this.#stopped);
      }
    } catch (e) {
      this.#stop(`an error (${e instanceof Error ? e.name : "unknown"})`);
    }
  }

  async #warmMaterial(key: KeyRecord): Promise<void> {
    // Symmetric encryption keys only: their 32-byte backing keys are what the hot path unwraps.
    // Private keys (up to 2.4 KB for RSA_4096) are unwrapped when first used, not ahead.
    if (key.keyState !== "Enabled" || key.currentMaterialId === undefined || key.keySpec !== "SYMMETRIC_DEFAULT") return;
    if (this.#o.keystore.status().kind === "pkcs11") return;
    await this.#o.materials.warm(key.keyId, key.currentMaterialId);
  }

  #stop(reason: string): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#o.onStop?.(reason);
  }
}
