import { generateKeyPair, type AsymmetricKeySpec } from "../../crypto/asymmetric/index.js";
import { generateHmacKey, type HmacKeySpec } from "../../crypto/hmac.js";
import { SecretBytes } from "../../crypto/secret-bytes.js";
import { SecretSlab } from "../../crypto/secret-slab.js";
import { materialBinding, type KeyMaterialRecord, type KeyRecord } from "../../domain/key-record.js";
import { KmsError } from "../../domain/errors.js";
import { HMAC_KEY_SPECS, isAsymmetricKeySpec } from "../../domain/key-spec.js";
import { KeystoreError, type Keystore } from "../../keystore/keystore.js";
import type { Store } from "../../store/store.js";

export interface UnwrappedMaterial {
  readonly materialId: string;
  /** Owned by the cache: callers must not dispose it. */
  readonly secret: SecretBytes;
}

/**
 * The unwrapped materials of one key, and when the key was last put at the young end. Most keys
 * have one material: it is held in the entry itself; rotated keys keep the others in `more`.
 */
interface CachedKey {
  readonly id: string;
  readonly secret: SecretBytes;
  more: { readonly ids: string[]; readonly secrets: SecretBytes[] } | undefined;
  stamp: number;
}

/**
 * Backing-key material: generated, wrapped under the root, unwrapped on use. Unwrapped material
 * is cached (bounded, least recently used keys evicted and zeroed) so the keystore is not asked on
 * every request; `forget` drops a key's entries when it is deleted or its material removed.
 * 256-bit secrets are small: the default bound (100,000 materials) keeps every key of a large
 * deployment unwrapped.
 */
export class KeyMaterials {
  readonly #store: Store;
  readonly #keystore: Keystore;
  /** keyId -> materialId -> unwrapped material, oldest key first (see #touch). */
  readonly #cache = new Map<string, CachedKey>();
  /** Materials in #cache. */
  #size = 0;
  #stamp = 0;
  /** Entries evicted and not zeroed yet (see #evict). */
  #evicted: CachedKey[] = [];
  /** 256-bit materials (symmetric backing keys, HMAC_256 keys) are packed into shared chunks. */
  readonly #slab = new SecretSlab(32);
  /** Public keys (DER SPKI) of asymmetric materials: not secret, cached to spare a store read. */
  readonly #publicKeys = new Map<string, Buffer>();
  readonly #max: number;
  #hits = 0;
  #misses = 0;

  constructor(store: Store, keystore: Keystore, maxCached = 100_000) {
    this.#store = store;
    this.#keystore = keystore;
    this.#max = maxCached;
  }

  get keystore(): Keystore {
    return this.#keystore;
  }

  /** Generates 256-bit symmetric material for a key and wraps it; nothing is stored yet. */
  async generateSymmetric(keyId: string, origin: KeyMaterialRecord["origin"], now: number, random: (n: number) => Buffer): Promise<KeyMaterialRecord> {
    const materialId = random(32).toString("hex");
    const secret = SecretBytes.adopt(random(32));
    try {
      const wrapped = await this.#wrap(secret, keyId, materialId);
      return { keyId, materialId, createdAt: now, wrapped, origin };
    } finally {
      secret.dispose();
    }
  }

  /**
   * Generates the material of a new key of `spec` and wraps it; nothing is stored yet.
   * SYMMETRIC_DEFAULT: 256 random bits. HMAC_*: a key as long as the spec says. Asymmetric
   * specs: a key pair whose PKCS#8 private key is the wrapped secret and whose SPKI public key
   * is recorded in clear. Asymmetric and HMAC materials are never rotated.
   */
  async generate(
    keyId: string,
    spec: string,
    origin: KeyMaterialRecord["origin"],
    now: number,
    random: (n: number) => Buffer,
  ): Promise<KeyMaterialRecord> {
    if (spec === "SYMMETRIC_DEFAULT") return this.generateSymmetric(keyId, origin, now, random);
    const materialId = random(32).toString("hex");
    if (HMAC_KEY_SPECS.has(spec)) {
      const secret = generateHmacKey(spec as HmacKeySpec, random);
      try {
        return { keyId, materialId, createdAt: now, wrapped: await this.#wrap(secret, keyId, materialId), origin };
      } finally {
        secret.dispose();
      }
    }
    if (!isAsymmetricKeySpec(spec)) throw new KmsError("UnsupportedOperationException", `KeySpec ${spec} is not supported by this Trent yet.`);
    const pair = await generateKeyPair(spec as AsymmetricKeySpec);
    try {
      const wrapped = await this.#wrap(pair.privateKey, keyId, materialId);
      return { keyId, materialId, createdAt: now, wrapped, origin, publicKey: pair.publicKey };
    } finally {
      pair.privateKey.dispose();
    }
  }

  /** The DER SubjectPublicKeyInfo of an asymmetric key's current material. */
  async publicKey(key: KeyRecord): Promise<Buffer> {
    const id = key.currentMaterialId;
    if (id === undefined) throw new KmsError("KMSInvalidStateException", `${key.keyId} is pending import.`);
    const cacheKey = `${key.keyId}/${id}`;
    const hit = this.#publicKeys.get(cacheKey);
    if (hit !== undefined) return hit;
    const rec = await this.#store.getKeyMaterial(key.keyId, id);
    if (rec?.publicKey === undefined) throw new KmsError("KMSInternalException", "The public key is not available.");
    if (this.#publicKeys.size >= this.#max) {
      const oldest = this.#publicKeys.keys().next().value;
      if (oldest !== undefined) this.#publicKeys.delete(oldest);
    }
    this.#publicKeys.set(cacheKey, rec.publicKey);
    return rec.publicKey;
  }

  async #wrap(secret: SecretBytes, keyId: string, materialId: string) {
    try {
      return await this.#keystore.wrap(secret, materialBinding(keyId, materialId));
    } catch (e) {
      throw keystoreFailure(e);
    }
  }

  /** The key's current material, unwrapped. */
  async current(key: KeyRecord): Promise<UnwrappedMaterial> {
    const id = key.currentMaterialId;
    if (id === undefined) throw new KmsError("KMSInvalidStateException", `${key.keyId} is pending import.`);
    const secret = await this.get(key.keyId, id);
    if (secret === undefined) throw new KmsError("KMSInternalException", "The key material is not available.");
    return { materialId: id, secret };
  }

  /** A material by id, unwrapped; undefined when the key has no such material. */
  async get(keyId: string, materialId: string): Promise<SecretBytes | undefined> {
    const entry = this.#cache.get(keyId);
    const hit = entry === undefined ? undefined : find(entry, materialId);
    if (entry !== undefined && hit !== undefined) {
      this.#hits++;
      // Reordering the map on every hit costs more than the lookup: an entry moves to the young
      // end only once more than half the bound was inserted after it (an approximate LRU).
      if (this.#stamp - entry.stamp > this.#max >> 1) this.#touch(keyId, entry);
      return hit;
    }
    this.#misses++;
    const rec = await this.#store.getKeyMaterial(keyId, materialId);
    if (rec === undefined) return undefined;
    let secret: SecretBytes;
    try {
      secret = this.#own(await this.#keystore.unwrap(rec.wrapped, materialBinding(keyId, materialId)));
    } catch (e) {
      throw keystoreFailure(e);
    }
    const current = this.#cache.get(keyId);
    const raced = current === undefined ? undefined : find(current, materialId);
    if (raced !== undefined) {
      // Another request unwrapped it meanwhile: keep one copy.
      this.#drop(secret);
      return raced;
    }
    this.#add(keyId, current, materialId, secret);
    if (current !== undefined) this.#touch(keyId, current);
    this.#evict();
    return secret;
  }

  /** Adds a material to a key's entry (a new entry, at the young end, when it has none). */
  #add(keyId: string, current: CachedKey | undefined, materialId: string, secret: SecretBytes): void {
    this.#size++;
    if (current === undefined) {
      this.#touch(keyId, { id: materialId, secret, more: undefined, stamp: 0 });
    } else if (current.more === undefined) {
      // Arrays made at their size: a push onto [] reserves room for 17.
      current.more = { ids: [materialId], secrets: [secret] };
    } else {
      current.more.ids.push(materialId);
      current.more.secrets.push(secret);
    }
  }

  /**
   * The secret moved into memory of its own (a slab slot for 256-bit materials), the original
   * zeroed. A keystore's result may be a slice of Node's shared 8 KiB buffer pool, and a small
   * slice kept for long keeps its whole slab alive: 100,000 cached 32-byte materials could then
   * hold hundreds of megabytes.
   */
  #own(secret: SecretBytes): SecretBytes {
    const bytes = secret.expose();
    let own: SecretBytes;
    if (bytes.length === this.#slab.slotBytes) {
      own = this.#slab.take(bytes);
    } else {
      const buf = Buffer.allocUnsafeSlow(bytes.length);
      bytes.copy(buf);
      own = SecretBytes.adopt(buf);
    }
    secret.dispose();
    return own;
  }

  /** Zeroes a cached secret (and frees its slab slot). */
  #drop(secret: SecretBytes): void {
    if (this.#slab.owns(secret)) this.#slab.release(secret);
    else secret.dispose();
  }

  /** Zeroes every secret of an entry; returns how many there were. */
  #dropAll(entry: CachedKey): number {
    this.#drop(entry.secret);
    if (entry.more !== undefined) for (const v of entry.more.secrets) this.#drop(v);
    return entryCount(entry);
  }

  /** Puts a key's entry at the young end of the map. */
  #touch(keyId: string, entry: CachedKey): void {
    this.#cache.delete(keyId);
    entry.stamp = this.#stamp++;
    this.#cache.set(keyId, entry);
  }

  /**
   * Drops the oldest keys' materials while more than the bound are cached. They are zeroed on the
   * next turn of the event loop, not at once: a request that was just handed one of them (a hit
   * on an old entry) uses it after its await resumes, in this turn.
   */
  #evict(): void {
    while (this.#size > this.#max && this.#cache.size > 1) {
      const oldest = this.#cache.entries().next();
      if (oldest.done === true) break;
      const [keyId, entry] = oldest.value;
      this.#size -= entryCount(entry);
      this.#cache.delete(keyId);
      if (this.#evicted.length === 0) setImmediate(() => this.#releaseEvicted());
      this.#evicted.push(entry);
    }
  }

  #releaseEvicted(): void {
    const evicted = this.#evicted;
    this.#evicted = [];
    for (const entry of evicted) this.#dropAll(entry);
  }

  /**
   * Unwraps a material into the cache ahead of use (cache warming after a start), unless it is
   * cached or the cache is full. Not counted in stats(). False when nothing was added.
   */
  async warm(keyId: string, materialId: string): Promise<boolean> {
    const cached = this.#cache.get(keyId);
    if (this.#size >= this.#max || (cached !== undefined && find(cached, materialId) !== undefined)) return false;
    const rec = await this.#store.getKeyMaterial(keyId, materialId);
    if (rec === undefined) return false;
    const secret = this.#own(await this.#keystore.unwrap(rec.wrapped, materialBinding(keyId, materialId)));
    const current = this.#cache.get(keyId);
    if ((current !== undefined && find(current, materialId) !== undefined) || this.#size >= this.#max) {
      this.#drop(secret);
      return false;
    }
    this.#add(keyId, current, materialId, secret);
    return true;
  }

  /** Unwrapped-material lookups answered from the cache, and those that unwrapped from the store. */
  stats(): { readonly hits: number; readonly misses: number } {
    return { hits: this.#hits, misses: this.#misses };
  }

  /** Drops (and zeroes) cached material of a key. */
  forget(keyId: string): void {
    const entry = this.#cache.get(keyId);
    if (entry !== undefined) {
      this.#size -= this.#dropAll(entry);
      this.#cache.delete(keyId);
    }
    const prefix = `${keyId}/`;
    for (const k of this.#publicKeys.keys()) if (k.startsWith(prefix)) this.#publicKeys.delete(k);
  }

  clear(): void {
    this.#releaseEvicted();
    for (const entry of this.#cache.values()) this.#dropAll(entry);
    this.#cache.clear();
    this.#size = 0;
    this.#publicKeys.clear();
  }
}

function entryCount(entry: CachedKey): number {
  return entry.more === undefined ? 1 : 1 + entry.more.secrets.length;
}

function find(entry: CachedKey, materialId: string): SecretBytes | undefined {
  if (entry.id === materialId) return entry.secret;
  const more = entry.more;
  if (more === undefined) return undefined;
  for (let i = 0; i < more.ids.length; i++) if (more.ids[i] === materialId) return more.secrets[i];
  return undefined;
}

function keystoreFailure(e: unknown): KmsError {
  if (e instanceof KeystoreError && e.reason === "sealed") {
    return new KmsError("KMSInternalException", "The service is sealed: submit unseal shares to use keys.");
  }
  return new KmsError("KMSInternalException", "The key material could not be unwrapped by the keystore.");
}
