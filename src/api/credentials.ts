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

  constructor(store: Store, keystore: Keystore, opts: { ttlMs?: number; now?: () => number } = {}) {
    this.#store = store;
    this.#keystore = keystore;
    this.#ttlMs = opts.ttlMs ?? 5_000;
    this.#now = opts.now ?? Date.now;
  }

  async get(accessKeyId: string): Promise<Credential | undefined> {
    const now = this.#now();
    const hit = this.#entries.get(accessKeyId);
    if (hit !== undefined && hit !== null && now - hit.loadedAt < this.#ttlMs) return hit;
    if (hit === null && now - (this.#negativeAt.get(accessKeyId) ?? 0) < this.#ttlMs) return undefined;
    const loaded = await this.#load(accessKeyId, now);
    if (hit) hit.secret.dispose();
    if (loaded === undefined) {
      this.#entries.set(accessKeyId, null);
      this.#negativeAt.set(accessKeyId, now);
      if (this.#entries.size > 100_000) this.clear();
      return undefined;
    }
    this.#entries.set(accessKeyId, loaded);
    return loaded;
  }

  async #load(accessKeyId: string, now: number): Promise<Credential | undefined> {
    const accessKey = await this.#store.getAccessKey(accessKeyId);
    if (accessKey === undefined || accessKey.status !== "Active") return undefined;
    const principal = await this.#store.getPrincipal(accessKey.principalArn);
    if (principal === undefined) return undefined;
    const secret = await this.#keystore.unwrap(accessKey.secret, accessKeyBinding(accessKeyId));
    return { accessKey, principal, secret, loadedAt: now };
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
