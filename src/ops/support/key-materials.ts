import { generateKeyPair, type AsymmetricKeySpec } from "../../crypto/asymmetric/index.js";
import { generateHmacKey, type HmacKeySpec } from "../../crypto/hmac.js";
import { SecretBytes } from "../../crypto/secret-bytes.js";
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
 * Backing-key material: generated, wrapped under the root, unwrapped on use. Unwrapped material
 * is cached (bounded, least recently used evicted and zeroed) so the keystore is not asked on
 * every request; `forget` drops a key's entries when it is deleted or its material removed.
 */
export class KeyMaterials {
  readonly #store: Store;
  readonly #keystore: Keystore;
  readonly #cache = new Map<string, SecretBytes>();
  /** Public keys (DER SPKI) of asymmetric materials: not secret, cached to spare a store read. */
  readonly #publicKeys = new Map<string, Buffer>();
  readonly #max: number;

  constructor(store: Store, keystore: Keystore, maxCached = 10_000) {
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
    const cacheKey = `${keyId}/${materialId}`;
    const hit = this.#cache.get(cacheKey);
    if (hit !== undefined) {
      this.#cache.delete(cacheKey);
      this.#cache.set(cacheKey, hit);
      return hit;
    }
    const rec = await this.#store.getKeyMaterial(keyId, materialId);
    if (rec === undefined) return undefined;
    let secret: SecretBytes;
    try {
      secret = await this.#keystore.unwrap(rec.wrapped, materialBinding(keyId, materialId));
    } catch (e) {
      throw keystoreFailure(e);
    }
    this.#cache.set(cacheKey, secret);
    if (this.#cache.size > this.#max) {
      const oldest = this.#cache.keys().next().value;
      if (oldest !== undefined) {
        this.#cache.get(oldest)?.dispose();
        this.#cache.delete(oldest);
      }
    }
    return secret;
  }

  /** Drops (and zeroes) cached material of a key. */
  forget(keyId: string): void {
    const prefix = `${keyId}/`;
    for (const [k, v] of this.#cache) {
      if (k.startsWith(prefix)) {
        v.dispose();
        this.#cache.delete(k);
      }
    }
    for (const k of this.#publicKeys.keys()) if (k.startsWith(prefix)) this.#publicKeys.delete(k);
  }

  clear(): void {
    for (const v of this.#cache.values()) v.dispose();
    this.#cache.clear();
    this.#publicKeys.clear();
  }
}

function keystoreFailure(e: unknown): KmsError {
  if (e instanceof KeystoreError && e.reason === "sealed") {
    return new KmsError("KMSInternalException", "The service is sealed: submit unseal shares to use keys.");
  }
  return new KmsError("KMSInternalException", "The key material could not be unwrapped by the keystore.");
}
