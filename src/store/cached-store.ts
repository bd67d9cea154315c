import type { CustomKeyStoreRecord } from "../domain/custom-key-store.js";
import type { GrantRecord } from "../domain/grant-record.js";
import type { KeyUsageRecord } from "../domain/key-usage.js";
import type { AliasRecord, KeyMaterialRecord, KeyRecord } from "../domain/key-record.js";
import type { WrappedKey } from "../keystore/keystore.js";
import type {
  AccessKeyRecord,
  RoleSessionRecord,
  AccountRecord,
  KeyChange,
  Page,
  PrincipalRecord,
  Store,
  WrappedRef,
} from "./store.js";

export interface CachedStoreOptions {
  /**
   * How long a cached record may be served without asking the backend: the bound on how long a
   * change made by another node (or process) can stay unseen here. Changes made through this
   * decorator are seen at once.
   */
  readonly ttlMs: number;
  /** How long "no such record" is remembered (default: the smaller of ttlMs and 250 ms). */
  readonly negativeTtlMs?: number;
  /** Most entries kept per kind of record (default 100,000); the least recently used go first. */
  readonly maxEntries?: number;
  /** Clock in epoch milliseconds. */
  readonly now?: () => number;
}

/**
 * A backend that can tell, cheaply and synchronously, whether another connection (another process
 * or node) committed a change since it was last asked: SQLite's `PRAGMA data_version`.
 */
export interface ExternalChangeProbe {
  /** A number that changes whenever a connection other than the backend's own commits a change. */
  externalChangeCounter(): number;
}

function hasProbe(s: Store): s is Store & ExternalChangeProbe {
  return typeof (s as Partial<ExternalChangeProbe>).externalChangeCounter === "function";
}

/**
 * Deep copy of a record (plain objects, arrays, Buffers, primitives): what the store contract
 * promises callers ("records returned are copies").
 */
function copy<T>(v: T): T {
  if (typeof v !== "object" || v === null) return v;
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = copy(v[i] as unknown);
    return out as T;
  }
  if (v instanceof Uint8Array) return (Buffer.isBuffer(v) ? Buffer.from(v) : new Uint8Array(v)) as T;
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return structuredClone(v);
  const src = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k in src) out[k] = copy(src[k]);
  return out as T;
}

interface Entry<V> {
  /** undefined: the backend had no such record. */
  readonly value: V | undefined;
  readonly expiresAt: number;
  /** Insertion stamp: entries are kept in the map in stamp order (oldest first). */
  stamp: number;
}

/**
 * A bounded map with expiry. Eviction takes the oldest entry; an entry that is read after more
 * than half the capacity was inserted since it was is moved to the young end (an approximation of
 * LRU that does not reorder the map on every hit).
 */
class BoundedCache<V> {
  readonly #map = new Map<string, Entry<V>>();
  readonly #max: number;
  #stamp = 0;

  constructor(max: number) {
    this.#max = Math.max(1, max);
  }

  get size(): number {
    return this.#map.size;
  }

  get(key: string, now: number): Entry<V> | undefined {
    const e = this.#map.get(key);
    if (e === undefined) return undefined;
    if (e.expiresAt <= now) {
      this.#map.delete(key);
      return undefined;
    }
    if (this.#stamp - e.stamp > this.#max >> 1) {
      this.#map.delete(key);
      e.stamp = this.#stamp++;
      this.#map.set(key, e);
    }
    return e;
  }

  set(key: string, value: V | undefined, expiresAt: number): void {
    this.#map.delete(key);
    this.#map.set(key, { value, expiresAt, stamp: this.#stamp++ });
    if (this.#map.size > this.#max) {
      const oldest = this.#map.keys().next();
      if (oldest.done !== true) this.#map.delete(oldest.value);
    }
  }

  delete(key: string): void {
    this.#map.delete(key);
  }

  clear(): void {
    this.#map.clear();
  }
}

/** Interned texts (key policies, account ids, ...): most keys share a few of each. */
class Interner {
  readonly #texts = new Map<string, string>();
  readonly #max: number;

  constructor(max: number) {
    this.#max = max;
  }

  intern(s: string): string {
    const hit = this.#texts.get(s);
    if (hit !== undefined) return hit;
    if (this.#texts.size >= this.#max) this.#texts.clear();
    this.#texts.set(s, s);
    return s;
  }
}

const SEP = "\u0000";

/** Cached records share one empty tag list (callers get copies, never this array). */
const NO_TAGS: readonly never[] = Object.freeze([]);

/**
 * A Store decorator that answers the request path's reads from memory: keys, aliases, access
 * keys, principals and the grants of a key for one grantee. (Key materials are not cached here:
 * KeyMaterials keeps them unwrapped in front of the store.)
 *
 * Every write through the decorator drops the entries it can affect (after it ran, whether it
 * succeeded or not), and a read that overlapped a write does not fill the cache, so this node sees
 * its own changes at once. Changes made elsewhere (another node on the same PostgreSQL, the CLI on
 * the same SQLite file) are seen within `ttlMs`: entries expire after it. A backend that can tell
 * when another connection changed the data (ExternalChangeProbe, SQLite) is asked at most every
 * min(ttlMs, 100 ms) instead, and the whole cache is dropped when it did; entries then do not
 * expire by age. "Not found" is remembered only briefly (negativeTtlMs).
 *
 * Everything else passes through. Records returned are copies, as the Store contract requires.
 */
export class CachedStore implements Store {
  readonly kind: string;
  readonly inner: Store;
  readonly #now: () => number;
  readonly #ttlMs: number;
  readonly #negativeTtlMs: number;
  readonly #probe: ExternalChangeProbe | undefined;
  readonly #probeEveryMs: number;
  readonly #maxEntries: number;
  #probeValue = 0;
  #probedAt = Number.NEGATIVE_INFINITY;
  /** Bumped after every write and every external change: a read that saw it change stores nothing. */
  #epoch = 0;
  #hits = 0;
  #misses = 0;

  readonly #keys: BoundedCache<KeyRecord>;
  readonly #aliases: BoundedCache<AliasRecord>;
  readonly #accessKeys: BoundedCache<AccessKeyRecord>;
  readonly #principals: BoundedCache<PrincipalRecord>;
  /** keyId -> grantee -> that grantee's grants on the key. */
  readonly #grants: BoundedCache<Map<string, readonly GrantRecord[]>>;
  readonly #texts = new Interner(10_000);
  readonly #rotationsOff = new Map<number, KeyRecord["rotation"]>();

  constructor(inner: Store, options: CachedStoreOptions) {
    this.inner = inner;
    this.kind = inner.kind;
    this.#now = options.now ?? Date.now;
    this.#ttlMs = Math.max(0, options.ttlMs);
    this.#negativeTtlMs = Math.max(0, Math.min(this.#ttlMs, options.negativeTtlMs ?? 250));
    this.#probe = hasProbe(inner) ? inner : undefined;
    this.#probeEveryMs = Math.min(this.#ttlMs, 100);
    const max = options.maxEntries ?? 100_000;
    this.#maxEntries = max;
    this.#keys = new BoundedCache(max);
    this.#aliases = new BoundedCache(max);
    this.#accessKeys = new BoundedCache(max);
    this.#principals = new BoundedCache(max);
    this.#grants = new BoundedCache(max);
  }

  /** Reads answered from memory, and reads that went to the backend. */
  stats(): { readonly hits: number; readonly misses: number } {
    return { hits: this.#hits, misses: this.#misses };
  }

  /** Drops every cached entry (the next reads go to the backend). */
  clear(): void {
    this.#epoch++;
    this.#keys.clear();
    this.#aliases.clear();
    this.#accessKeys.clear();
    this.#principals.clear();
    this.#grants.clear();
  }

  /** The time, after dropping everything if the backend says another connection changed it. */
  #clock(): number {
    const now = this.#now();
    if (this.#probe !== undefined && now - this.#probedAt >= this.#probeEveryMs) {
      this.#probedAt = now;
      const v = this.#probe.externalChangeCounter();
      if (v !== this.#probeValue) {
        this.#probeValue = v;
        this.clear();
      }
    }
    return now;
  }

  #expiry(now: number, found: boolean): number {
    if (!found) return now + this.#negativeTtlMs;
    // With a probe, age alone does not make an entry stale: the probe drops everything on change.
    return this.#probe !== undefined ? Number.POSITIVE_INFINITY : now + this.#ttlMs;
  }

  /** Runs a write, then drops what it may have changed (also when it failed: our view may be stale). */
  async #write<T>(run: () => Promise<T>, invalidate: () => void): Promise<T> {
    try {
      return await run();
    } finally {
      this.#epoch++;
      invalidate();
    }
  }

  /** A cached single record: from memory, or read (and remembered unless a write overlapped). */
  async #cached<V>(cache: BoundedCache<V>, id: string, load: () => Promise<V | undefined>): Promise<V | undefined> {
    const now = this.#clock();
    const hit = cache.get(id, now);
    if (hit !== undefined) {
      this.#hits++;
      return hit.value === undefined ? undefined : copy(hit.value);
    }
    this.#misses++;
    const epoch = this.#epoch;
    const value = await load();
    if (epoch === this.#epoch && this.#ttlMs > 0) cache.set(id, value, this.#expiry(now, value !== undefined));
    return value === undefined ? undefined : copy(value);
  }

  /**
   * A record the backend returned (nobody else holds it), made ready to be cached: its texts that
   * few keys differ in (policy, account, ...) shared with other keys', so that 100,000 keys keep
   * one copy of the default policy instead of one each.
   */
  #kept(k: KeyRecord): KeyRecord {
    const kept = k as { -readonly [F in keyof KeyRecord]: KeyRecord[F] };
    const t = this.#texts;
    kept.policy = t.intern(kept.policy);
    kept.accountId = t.intern(kept.accountId);
    kept.region = t.intern(kept.region);
    kept.description = t.intern(kept.description);
    kept.keySpec = t.intern(kept.keySpec);
    kept.keyUsage = t.intern(kept.keyUsage) as KeyRecord["keyUsage"];
    kept.origin = t.intern(kept.origin) as KeyRecord["origin"];
    kept.keyState = t.intern(kept.keyState) as KeyRecord["keyState"];
    if (kept.tags.length === 0) kept.tags = NO_TAGS;
    const r = kept.rotation;
    // Most keys have rotation off and no on-demand rotation: one shared object for all of them.
    if (!r.enabled && r.onDemandCount === 0 && r.nextRotationAt === undefined && r.onDemandStartedAt === undefined) {
      kept.rotation = this.#rotationOff(r.periodDays);
    }
    return kept;
  }

  /** The shared settings of keys with rotation off and no on-demand rotation, per period. */
  #rotationOff(periodDays: number): KeyRecord["rotation"] {
    let r = this.#rotationsOff.get(periodDays);
    if (r === undefined) {
      r = Object.freeze({ enabled: false, periodDays, onDemandCount: 0 });
      if (this.#rotationsOff.size >= 1_000) this.#rotationsOff.clear();
      this.#rotationsOff.set(periodDays, r);
    }
    return r;
  }

  #forgetKey(keyId: string): void {
    this.#keys.delete(keyId);
    this.#grants.delete(keyId);
  }

  // ---- keys

  createKey(key: KeyRecord, materials: readonly KeyMaterialRecord[]): Promise<void> {
    return this.#write(() => this.inner.createKey(key, materials), () => this.#forgetKey(key.keyId));
  }

  async getKey(keyId: string): Promise<KeyRecord | undefined> {
    const now = this.#clock();
    const hit = this.#keys.get(keyId, now);
    if (hit !== undefined) {
      this.#hits++;
      return hit.value === undefined ? undefined : copy(hit.value);
    }
    this.#misses++;
    const epoch = this.#epoch;
    const loaded = await this.inner.getKey(keyId);
    if (epoch === this.#epoch && this.#ttlMs > 0) {
      // The cache keeps the backend's record (compact as JSON.parse built it); the caller gets a copy.
      const kept = loaded === undefined ? undefined : this.#kept(loaded);
      this.#keys.set(kept?.keyId ?? keyId, kept, this.#expiry(now, kept !== undefined));
      return kept === undefined ? undefined : copy(kept);
    }
    return loaded;
  }

  updateKey(change: KeyChange): Promise<KeyRecord> {
    return this.#write(() => this.inner.updateKey(change), () => this.#forgetKey(change.key.keyId));
  }

  deleteKey(keyId: string): Promise<void> {
    return this.#write(
      () => this.inner.deleteKey(keyId),
      () => {
        this.#forgetKey(keyId);
        this.#aliases.clear(); // the key's aliases go with it; they are not indexed by key here
      },
    );
  }

  listKeys(accountId: string, region: string, after: string | undefined, limit: number): Promise<Page<KeyRecord>> {
    return this.inner.listKeys(accountId, region, after, limit);
  }

  /**
   * listKeys that also puts the keys it read into the cache (cache warming after a start), unless
   * a write overlapped the read. Only with a change probe: entries that expire after ttlMs would
   * mostly be gone before they are used. Keys already cached are left as they are; nothing is
   * added once the cache is full.
   */
  async listKeysIntoCache(accountId: string, region: string, after: string | undefined, limit: number): Promise<Page<KeyRecord>> {
    const now = this.#clock();
    const epoch = this.#epoch;
    const page = await this.inner.listKeys(accountId, region, after, limit);
    if (this.#probe !== undefined && epoch === this.#epoch && this.#ttlMs > 0) {
      for (const k of page.items) {
        if (this.#keys.size >= this.#maxEntries) break;
        if (this.#keys.get(k.keyId, now) !== undefined) continue;
        this.#keys.set(k.keyId, this.#kept(copy(k)), this.#expiry(now, true));
      }
    }
    return page;
  }

  dueKeys(now: number, limit: number): Promise<readonly KeyRecord[]> {
    return this.inner.dueKeys(now, limit);
  }

  countKeys(): Promise<number> {
    return this.inner.countKeys();
  }

  countKeysByState(): Promise<Record<string, number>> {
    return this.inner.countKeysByState();
  }

  // ---- key material

  /**
   * Not cached here: the request path asks for a material only when KeyMaterials (which keeps
   * materials unwrapped, up to 100,000) misses, so a second, wrapped copy would only cost memory.
   */
  getKeyMaterial(keyId: string, materialId: string): Promise<KeyMaterialRecord | undefined> {
    return this.inner.getKeyMaterial(keyId, materialId);
  }

  listKeyMaterials(keyId: string): Promise<readonly KeyMaterialRecord[]> {
    return this.inner.listKeyMaterials(keyId);
  }

  // ---- aliases

  createAlias(alias: AliasRecord): Promise<void> {
    return this.#write(() => this.inner.createAlias(alias), () => this.#aliases.delete(aliasId(alias.accountId, alias.region, alias.aliasName)));
  }

  getAlias(accountId: string, region: string, aliasName: string): Promise<AliasRecord | undefined> {
    return this.#cached(this.#aliases, aliasId(accountId, region, aliasName), () => this.inner.getAlias(accountId, region, aliasName));
  }

  updateAlias(alias: AliasRecord): Promise<boolean> {
    return this.#write(() => this.inner.updateAlias(alias), () => this.#aliases.delete(aliasId(alias.accountId, alias.region, alias.aliasName)));
  }

  deleteAlias(accountId: string, region: string, aliasName: string): Promise<boolean> {
    return this.#write(() => this.inner.deleteAlias(accountId, region, aliasName), () => this.#aliases.delete(aliasId(accountId, region, aliasName)));
  }

  listAliases(accountId: string, region: string, keyId: string | undefined, after: string | undefined, limit: number): Promise<Page<AliasRecord>> {
    return this.inner.listAliases(accountId, region, keyId, after, limit);
  }

  // ---- grants

  createGrant(grant: GrantRecord): Promise<void> {
    return this.#write(() => this.inner.createGrant(grant), () => this.#grants.delete(grant.keyId));
  }

  getGrant(keyId: string, grantId: string): Promise<GrantRecord | undefined> {
    return this.inner.getGrant(keyId, grantId);
  }

  listGrants(keyId: string, after: string | undefined, limit: number): Promise<Page<GrantRecord>> {
    return this.inner.listGrants(keyId, after, limit);
  }

  async listGrantsForGrantee(keyId: string, granteePrincipal: string): Promise<readonly GrantRecord[]> {
    const now = this.#clock();
    const ofKey = this.#grants.get(keyId, now);
    const hit = ofKey?.value?.get(granteePrincipal);
    if (hit !== undefined) {
      this.#hits++;
      return copy(hit);
    }
    this.#misses++;
    const epoch = this.#epoch;
    const grants = await this.inner.listGrantsForGrantee(keyId, granteePrincipal);
    if (epoch === this.#epoch && this.#ttlMs > 0) {
      const current = this.#grants.get(keyId, now)?.value;
      if (current !== undefined) current.set(granteePrincipal, grants);
      else this.#grants.set(keyId, new Map([[granteePrincipal, grants]]), this.#expiry(now, true));
    }
    return copy(grants);
  }

  listRetirableGrants(retiringPrincipal: string, after: string | undefined, limit: number): Promise<Page<GrantRecord>> {
    return this.inner.listRetirableGrants(retiringPrincipal, after, limit);
  }

  deleteGrant(keyId: string, grantId: string): Promise<boolean> {
    return this.#write(() => this.inner.deleteGrant(keyId, grantId), () => this.#grants.delete(keyId));
  }

  countGrants(keyId: string): Promise<number> {
    return this.inner.countGrants(keyId);
  }

  // ---- root re-wrap

  listWrappedNotUnder(rootVersion: string, limit: number): Promise<readonly WrappedRef[]> {
    return this.inner.listWrappedNotUnder(rootVersion, limit);
  }

  replaceWrapped(ref: WrappedRef, next: WrappedKey): Promise<boolean> {
    return this.#write(
      () => this.inner.replaceWrapped(ref, next),
      () => (ref.kind === "access-key" ? this.#accessKeys.delete(ref.accessKeyId) : undefined),
    );
  }

  countWrappedUnder(rootVersion: string): Promise<number> {
    return this.inner.countWrappedUnder(rootVersion);
  }

  // ---- identities

  putAccount(account: AccountRecord): Promise<void> {
    return this.#write(() => this.inner.putAccount(account), () => undefined);
  }

  getAccount(accountId: string): Promise<AccountRecord | undefined> {
    return this.inner.getAccount(accountId);
  }

  listAccounts(): Promise<readonly AccountRecord[]> {
    return this.inner.listAccounts();
  }

  deleteAccount(accountId: string): Promise<boolean> {
    return this.#write(
      () => this.inner.deleteAccount(accountId),
      () => {
        this.#principals.clear();
        this.#accessKeys.clear();
      },
    );
  }

  accountHasKeys(accountId: string): Promise<boolean> {
    return this.inner.accountHasKeys(accountId);
  }

  putPrincipal(principal: PrincipalRecord): Promise<void> {
    return this.#write(() => this.inner.putPrincipal(principal), () => this.#principals.delete(principal.arn));
  }

  getPrincipal(arn: string): Promise<PrincipalRecord | undefined> {
    return this.#cached(this.#principals, arn, () => this.inner.getPrincipal(arn));
  }

  listPrincipals(accountId: string): Promise<readonly PrincipalRecord[]> {
    return this.inner.listPrincipals(accountId);
  }

  deletePrincipal(arn: string): Promise<boolean> {
    return this.#write(
      () => this.inner.deletePrincipal(arn),
      () => {
        this.#principals.delete(arn);
        this.#accessKeys.clear(); // the principal's access keys go with it
      },
    );
  }

  putAccessKey(key: AccessKeyRecord): Promise<void> {
    return this.#write(() => this.inner.putAccessKey(key), () => this.#accessKeys.delete(key.accessKeyId));
  }

  getAccessKey(accessKeyId: string): Promise<AccessKeyRecord | undefined> {
    return this.#cached(this.#accessKeys, accessKeyId, () => this.inner.getAccessKey(accessKeyId));
  }

  listAccessKeys(principalArn: string): Promise<readonly AccessKeyRecord[]> {
    return this.inner.listAccessKeys(principalArn);
  }

  deleteAccessKey(accessKeyId: string): Promise<boolean> {
    return this.#write(() => this.inner.deleteAccessKey(accessKeyId), () => this.#accessKeys.delete(accessKeyId));
  }

  // ---- role sessions (not cached here: SessionCredentials caches them)

  putRoleSession(session: RoleSessionRecord): Promise<void> {
    return this.inner.putRoleSession(session);
  }

  getRoleSession(accessKeyId: string): Promise<RoleSessionRecord | undefined> {
    return this.inner.getRoleSession(accessKeyId);
  }

  deleteRoleSessionsOf(roleArn: string): Promise<number> {
    return this.inner.deleteRoleSessionsOf(roleArn);
  }

  deleteExpiredRoleSessions(now: number, limit: number): Promise<number> {
    return this.inner.deleteExpiredRoleSessions(now, limit);
  }

  deleteRoleSessionsNotUnder(rootVersion: string): Promise<number> {
    return this.inner.deleteRoleSessionsNotUnder(rootVersion);
  }

  // ---- key usage (not cached)

  startKeyUsageTracking(now: number): Promise<number> {
    return this.inner.startKeyUsageTracking(now);
  }

  keyUsageTrackingStart(): Promise<number | undefined> {
    return this.inner.keyUsageTrackingStart();
  }

  addKeyUsage(deltas: readonly KeyUsageRecord[]): Promise<void> {
    return this.inner.addKeyUsage(deltas);
  }

  getKeyUsage(keyId: string): Promise<KeyUsageRecord | undefined> {
    return this.inner.getKeyUsage(keyId);
  }

  // ---- custom key stores: pass through (ops/support/custom-key-stores.ts keeps its own short cache)

  createCustomKeyStore(cks: CustomKeyStoreRecord): Promise<void> {
    return this.#write(() => this.inner.createCustomKeyStore(cks), () => undefined);
  }

  getCustomKeyStore(customKeyStoreId: string): Promise<CustomKeyStoreRecord | undefined> {
    return this.inner.getCustomKeyStore(customKeyStoreId);
  }

  listCustomKeyStores(
    partition: { readonly accountId: string; readonly region: string } | undefined,
    after: string | undefined,
    limit: number,
  ): Promise<Page<CustomKeyStoreRecord>> {
    return this.inner.listCustomKeyStores(partition, after, limit);
  }

  updateCustomKeyStore(cks: CustomKeyStoreRecord, expectedRevision: number): Promise<CustomKeyStoreRecord> {
    return this.#write(() => this.inner.updateCustomKeyStore(cks, expectedRevision), () => undefined);
  }

  deleteCustomKeyStore(customKeyStoreId: string): Promise<boolean> {
    return this.#write(() => this.inner.deleteCustomKeyStore(customKeyStoreId), () => undefined);
  }

  customKeyStoreHasKeys(customKeyStoreId: string): Promise<boolean> {
    return this.inner.customKeyStoreHasKeys(customKeyStoreId);
  }

  // ----

  resetKeys(): Promise<void> {
    return this.#write(() => this.inner.resetKeys(), () => this.clear());
  }

  async close(): Promise<void> {
    this.clear();
    await this.inner.close();
  }
}

function aliasId(accountId: string, region: string, aliasName: string): string {
  return `${accountId}${SEP}${region}${SEP}${aliasName}`;
}
