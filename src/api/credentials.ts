import type { SecretBytes } from "../crypto/secret-bytes.js";
import type { Keystore } from "../keystore/keystore.js";
import type { AccessKeyRecord, PrincipalRecord, Store } from "../store/store.js";

export interface Credential {
  readonly accessKey: AccessKeyRecord;
  readonly principal: PrincipalRecord;
  /** Unwrapped secret access key; owned by the cache. */
  readonly secret: SecretBytes;
  readonly loadedAt: number;
}

/** Binding under which an access key's secret is wrapped. */
export function accessKeyBinding(accessKeyId: string): Buffer {
  return Buffer.from(`access-key/${accessKeyId}`, "utf8");
}

/**
 * Access keys and their principals, looked up in the store and cached for `ttlMs` (so that a
 * key deleted on another node stops working within that time). Secrets are kept unwrapped only
 * in this cache.
 */
export class CredentialCache {
  readonly #store: Store;
  readonly #keystore: Keystore;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, Credential | null>();
  readonly #negativeAt = new Map<string, number>();
  #hits = 0;
  #misses = 0;

  constructor(store: Store, keystore: Keystore, opts: { ttlMs?: number; now?: () => number } = {}) {
    this.#store = store;
    this.#keystore = keystore;
    this.#ttlMs = opts.ttlMs ?? 5_000;
    this.#now = opts.now ?? Date.now;
  }

  /**
   * The credential when the cache holds it fresh, without waiting: the request path's fast path.
   * Undefined when it must be read (or is cached as unknown): then call get().
   */
  peek(accessKeyId: string): Credential | undefined {
    const hit = this.#entries.get(accessKeyId);
    if (hit === undefined || hit === null || this.#now() - hit.loadedAt >= this.#ttlMs) return undefined;
    this.#hits++;
    return hit;
  }

  async get(accessKeyId: string): Promise<Credential | undefined> {
    const now = this.#now();
    const hit = this.#entries.get(accessKeyId);
    if (hit !== undefined && hit !== null && now - hit.loadedAt < this.#ttlMs) {
      this.#hits++;
      return hit;
    }
    if (hit === null && now - (this.#negativeAt.get(accessKeyId) ?? 0) < this.#ttlMs) {
      this.#hits++;
      return undefined;
    }
    this.#misses++;
    const loaded = await this.#load(accessKeyId, now, hit ?? undefined);
    // The old secret object lives on in the new entry when the stored secret did not change
    // (requests in flight may still hold it); otherwise it is zeroed.
    if (hit && hit.secret !== loaded?.secret) hit.secret.dispose();
    if (loaded === undefined) {
      this.#entries.set(accessKeyId, null);
      this.#negativeAt.set(accessKeyId, now);
      if (this.#entries.size > 100_000) this.clear();
      return undefined;
    }
    this.#entries.set(accessKeyId, loaded);
    return loaded;
  }

  async #load(accessKeyId: string, now: number, previous: Credential | undefined): Promise<Credential | undefined> {
    const accessKey = await this.#store.getAccessKey(accessKeyId);
    if (accessKey === undefined || accessKey.status !== "Active") return undefined;
    const principal = await this.#store.getPrincipal(accessKey.principalArn);
    if (principal === undefined) return undefined;
    // Reloading an unchanged secret (the same wrapped bytes) keeps the unwrapped one: no keystore
    // call, and SigV4's signing keys derived from it stay valid.
    const same =
      previous !== undefined &&
      !previous.secret.disposed &&
      previous.accessKey.secret.rootVersion === accessKey.secret.rootVersion &&
      previous.accessKey.secret.blob.equals(accessKey.secret.blob);
    const secret = same ? previous.secret : await this.#keystore.unwrap(accessKey.secret, accessKeyBinding(accessKeyId));
    return { accessKey, principal, secret, loadedAt: now };
  }

  /** Lookups answered from the cache (including cached "no such key") and lookups that read the store. */
  stats(): { readonly hits: number; readonly misses: number } {
    return { hits: this.#hits, misses: this.#misses };
  }

  invalidate(accessKeyId: string): void {
    const hit = this.#entries.get(accessKeyId);
    if (hit) hit.secret.dispose();
    this.#entries.delete(accessKeyId);
    this.#negativeAt.delete(accessKeyId);
  }

  clear(): void {
    for (const e of this.#entries.values()) e?.secret.dispose();
    this.#entries.clear();
    this.#negativeAt.clear();
  }
}
