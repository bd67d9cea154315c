import type { CustomKeyStoreRecord } from "../domain/custom-key-store.js";
import type { GrantRecord } from "../domain/grant-record.js";
import { nextDueAt, type AliasRecord, type KeyMaterialRecord, type KeyRecord } from "../domain/key-record.js";
import { mergeKeyUsage, type KeyUsageRecord } from "../domain/key-usage.js";
import type { WrappedKey } from "../keystore/keystore.js";
import {
  copyAccessKey,
  copyRoleSession,
  copyAlias,
  copyCustomKeyStore,
  copyGrant,
  copyKey,
  copyMaterial,
  copyPrincipal,
  copyWrapped,
} from "./record-copy.js";
import {
  DuplicateEntry,
  RevisionConflict,
  pageOf,
  parseRetirablePosition,
  retirablePosition,
  type AccessKeyRecord,
  type RoleSessionRecord,
  type AccountRecord,
  type KeyChange,
  type Page,
  type PrincipalRecord,
  type Store,
  type WrappedRef,
} from "./store.js";

/** Thrown by an injected write failure. */
export class InjectedWriteFailure extends Error {
  constructor() {
    super("injected write failure");
    this.name = "InjectedWriteFailure";
  }
}

function byString<T>(key: (t: T) => string): (a: T, b: T) => number {
  return (a, b) => {
    const x = key(a);
    const y = key(b);
    return x < y ? -1 : x > y ? 1 : 0;
  };
}

function sameWrapped(a: WrappedKey, b: WrappedKey): boolean {
  return a.rootVersion === b.rootVersion && a.blob.equals(b.blob);
}

/**
 * In-memory store for unit tests. `failWrites(n)` makes the next n writes throw before
 * changing anything, to test that a failed write leaves state unchanged.
 */
export class MemoryStore implements Store {
  readonly kind = "memory";
  #keys = new Map<string, KeyRecord>();
  #materials = new Map<string, Map<string, KeyMaterialRecord>>();
  #aliases = new Map<string, AliasRecord>();
  #accounts = new Map<string, AccountRecord>();
  #principals = new Map<string, PrincipalRecord>();
  #accessKeys = new Map<string, AccessKeyRecord>();
  #roleSessions = new Map<string, RoleSessionRecord>();
  /** Grants by key id, then by grant id; #grantKeys maps every grant id to its key id. */
  #grants = new Map<string, Map<string, GrantRecord>>();
  #grantKeys = new Map<string, string>();
  #usage = new Map<string, KeyUsageRecord>();
  #usageTrackingStart: number | undefined;
  #customKeyStores = new Map<string, CustomKeyStoreRecord>();
  #failures = 0;

  failWrites(n: number): void {
    this.#failures = n;
  }

  #write(): void {
    if (this.#failures > 0) {
      this.#failures--;
      throw new InjectedWriteFailure();
    }
  }

  async createKey(key: KeyRecord, materials: readonly KeyMaterialRecord[]): Promise<void> {
    this.#write();
    if (this.#keys.has(key.keyId)) throw new DuplicateEntry(`key ${key.keyId}`);
    this.#keys.set(key.keyId, copyKey({ ...key, revision: 1 }));
    this.#materials.set(key.keyId, new Map(materials.map((m) => [m.materialId, copyMaterial(m)])));
  }

  async getKey(keyId: string): Promise<KeyRecord | undefined> {
    const k = this.#keys.get(keyId);
    return k && copyKey(k);
  }

  async updateKey(change: KeyChange): Promise<KeyRecord> {
    this.#write();
    const cur = this.#keys.get(change.key.keyId);
    if (cur === undefined || cur.revision !== change.expectedRevision) throw new RevisionConflict();
    const next = copyKey({ ...change.key, revision: cur.revision + 1 });
    const mats = this.#materials.get(cur.keyId) ?? new Map<string, KeyMaterialRecord>();
    for (const id of change.removeMaterialIds ?? []) mats.delete(id);
    for (const m of change.addMaterials ?? []) mats.set(m.materialId, copyMaterial(m));
    this.#materials.set(cur.keyId, mats);
    this.#keys.set(cur.keyId, next);
    return copyKey(next);
  }

  async deleteKey(keyId: string): Promise<void> {
    this.#write();
    this.#keys.delete(keyId);
    this.#materials.delete(keyId);
    for (const [k, a] of this.#aliases) if (a.targetKeyId === keyId) this.#aliases.delete(k);
    for (const id of this.#grants.get(keyId)?.keys() ?? []) this.#grantKeys.delete(id);
    this.#grants.delete(keyId);
    this.#usage.delete(keyId);
  }

  async listKeys(accountId: string, region: string, after: string | undefined, limit: number): Promise<Page<KeyRecord>> {
    const all = [...this.#keys.values()]
      .filter((k) => k.accountId === accountId && k.region === region && (after === undefined || k.keyId > after))
      .sort((a, b) => (a.keyId < b.keyId ? -1 : 1))
      .map(copyKey);
    return pageOf(all, limit, (k) => k.keyId);
  }

  async dueKeys(now: number, limit: number): Promise<readonly KeyRecord[]> {
    const due: [number, KeyRecord][] = [];
    for (const k of this.#keys.values()) {
      const at = nextDueAt(k);
      if (at !== undefined && at <= now) due.push([at, k]);
    }
    return due
      .sort((a, b) => a[0] - b[0])
      .slice(0, limit)
      .map(([, k]) => copyKey(k));
  }

  async countKeys(): Promise<number> {
    return this.#keys.size;
  }

  async countKeysByState(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const k of this.#keys.values()) out[k.keyState] = (out[k.keyState] ?? 0) + 1;
    return out;
  }

  async getKeyMaterial(keyId: string, materialId: string): Promise<KeyMaterialRecord | undefined> {
    const m = this.#materials.get(keyId)?.get(materialId);
    return m && copyMaterial(m);
  }

  async listKeyMaterials(keyId: string): Promise<readonly KeyMaterialRecord[]> {
    return [...(this.#materials.get(keyId)?.values() ?? [])]
      .sort((a, b) => a.createdAt - b.createdAt || (a.materialId < b.materialId ? -1 : 1))
      .map(copyMaterial);
  }

  #aliasKey(accountId: string, region: string, name: string): string {
    return `${accountId}\0${region}\0${name}`;
  }

  async createAlias(alias: AliasRecord): Promise<void> {
    this.#write();
    const k = this.#aliasKey(alias.accountId, alias.region, alias.aliasName);
    if (this.#aliases.has(k)) throw new DuplicateEntry(`alias ${alias.aliasName}`);
    this.#aliases.set(k, copyAlias(alias));
  }

  async getAlias(accountId: string, region: string, aliasName: string): Promise<AliasRecord | undefined> {
    const a = this.#aliases.get(this.#aliasKey(accountId, region, aliasName));
    return a && copyAlias(a);
  }

  async updateAlias(alias: AliasRecord): Promise<boolean> {
    this.#write();
    const k = this.#aliasKey(alias.accountId, alias.region, alias.aliasName);
    const cur = this.#aliases.get(k);
    if (cur === undefined) return false;
    this.#aliases.set(k, { ...cur, targetKeyId: alias.targetKeyId, updatedAt: alias.updatedAt });
    return true;
  }

  async deleteAlias(accountId: string, region: string, aliasName: string): Promise<boolean> {
    this.#write();
    return this.#aliases.delete(this.#aliasKey(accountId, region, aliasName));
  }

  async listAliases(
    accountId: string,
    region: string,
    keyId: string | undefined,
    after: string | undefined,
    limit: number,
  ): Promise<Page<AliasRecord>> {
    const all = [...this.#aliases.values()]
      .filter(
        (a) =>
          a.accountId === accountId &&
          a.region === region &&
          (keyId === undefined || a.targetKeyId === keyId) &&
          (after === undefined || a.aliasName > after),
      )
      .sort((a, b) => (a.aliasName < b.aliasName ? -1 : 1))
      .map(copyAlias);
    return pageOf(all, limit, (a) => a.aliasName);
  }

  async createGrant(grant: GrantRecord): Promise<void> {
    this.#write();
    if (this.#grantKeys.has(grant.grantId)) throw new DuplicateEntry(`grant ${grant.grantId}`);
    const ofKey = this.#grants.get(grant.keyId) ?? new Map<string, GrantRecord>();
    ofKey.set(grant.grantId, copyGrant(grant));
    this.#grants.set(grant.keyId, ofKey);
    this.#grantKeys.set(grant.grantId, grant.keyId);
  }

  async getGrant(keyId: string, grantId: string): Promise<GrantRecord | undefined> {
    const g = this.#grants.get(keyId)?.get(grantId);
    return g && copyGrant(g);
  }

  async listGrants(keyId: string, after: string | undefined, limit: number): Promise<Page<GrantRecord>> {
    const all = [...(this.#grants.get(keyId)?.values() ?? [])]
      .filter((g) => after === undefined || g.grantId > after)
      .sort(byString((g) => g.grantId))
      .map(copyGrant);
    return pageOf(all, limit, (g) => g.grantId);
  }

  async listGrantsForGrantee(keyId: string, granteePrincipal: string): Promise<readonly GrantRecord[]> {
    return [...(this.#grants.get(keyId)?.values() ?? [])]
      .filter((g) => g.granteePrincipal === granteePrincipal)
      .sort(byString((g) => g.grantId))
      .map(copyGrant);
  }

  async listRetirableGrants(retiringPrincipal: string, after: string | undefined, limit: number): Promise<Page<GrantRecord>> {
    const from = after === undefined ? undefined : parseRetirablePosition(after);
    const all: GrantRecord[] = [];
    for (const ofKey of this.#grants.values()) {
      for (const g of ofKey.values()) {
        if (g.retiringPrincipal !== retiringPrincipal) continue;
        if (from !== undefined && (g.keyId < from.keyId || (g.keyId === from.keyId && g.grantId <= from.grantId))) continue;
        all.push(g);
      }
    }
    all.sort((a, b) => byString<GrantRecord>((g) => g.keyId)(a, b) || byString<GrantRecord>((g) => g.grantId)(a, b));
    return pageOf(all.slice(0, limit + 1).map(copyGrant), limit, retirablePosition);
  }

  async deleteGrant(keyId: string, grantId: string): Promise<boolean> {
    this.#write();
    const ofKey = this.#grants.get(keyId);
    if (ofKey?.delete(grantId) !== true) return false;
    this.#grantKeys.delete(grantId);
    if (ofKey.size === 0) this.#grants.delete(keyId);
    return true;
  }

  async countGrants(keyId: string): Promise<number> {
    return this.#grants.get(keyId)?.size ?? 0;
  }

  async listWrappedNotUnder(rootVersion: string, limit: number): Promise<readonly WrappedRef[]> {
    const mats: WrappedRef[] = [...this.#materials.values()]
      .flatMap((ofKey) => [...ofKey.values()])
      .filter((m) => m.wrapped.rootVersion !== rootVersion)
      .sort(
        (a, b) =>
          byString<KeyMaterialRecord>((m) => m.wrapped.rootVersion)(a, b) ||
          byString<KeyMaterialRecord>((m) => m.keyId)(a, b) ||
          byString<KeyMaterialRecord>((m) => m.materialId)(a, b),
      )
      .map((m) => ({ kind: "material", keyId: m.keyId, materialId: m.materialId, wrapped: copyWrapped(m.wrapped) }));
    const aks: WrappedRef[] = [...this.#accessKeys.values()]
      .filter((k) => k.secret.rootVersion !== rootVersion)
      .sort((a, b) => byString<AccessKeyRecord>((k) => k.secret.rootVersion)(a, b) || byString<AccessKeyRecord>((k) => k.accessKeyId)(a, b))
      .map((k) => ({ kind: "access-key", accessKeyId: k.accessKeyId, wrapped: copyWrapped(k.secret) }));
    const stores: WrappedRef[] = [...this.#customKeyStores.values()]
      .filter((c) => c.password.rootVersion !== rootVersion)
      .sort(
        (a, b) =>
          byString<CustomKeyStoreRecord>((c) => c.password.rootVersion)(a, b) ||
          byString<CustomKeyStoreRecord>((c) => c.customKeyStoreId)(a, b),
      )
      .map((c) => ({ kind: "custom-key-store", customKeyStoreId: c.customKeyStoreId, wrapped: copyWrapped(c.password) }));
    return [...mats, ...aks, ...stores].slice(0, Math.max(0, limit));
  }

  async replaceWrapped(ref: WrappedRef, next: WrappedKey): Promise<boolean> {
    this.#write();
    if (ref.kind === "material") {
      const ofKey = this.#materials.get(ref.keyId);
      const cur = ofKey?.get(ref.materialId);
      if (ofKey === undefined || cur === undefined || !sameWrapped(cur.wrapped, ref.wrapped)) return false;
      ofKey.set(ref.materialId, copyMaterial({ ...cur, wrapped: next }));
      return true;
    }
    if (ref.kind === "custom-key-store") {
      const cks = this.#customKeyStores.get(ref.customKeyStoreId);
      if (cks === undefined || !sameWrapped(cks.password, ref.wrapped)) return false;
      this.#customKeyStores.set(cks.customKeyStoreId, copyCustomKeyStore({ ...cks, password: next }));
      return true;
    }
    const cur = this.#accessKeys.get(ref.accessKeyId);
    if (cur === undefined || !sameWrapped(cur.secret, ref.wrapped)) return false;
    this.#accessKeys.set(ref.accessKeyId, copyAccessKey({ ...cur, secret: next }));
    return true;
  }

  async countWrappedUnder(rootVersion: string): Promise<number> {
    let n = 0;
    for (const ofKey of this.#materials.values()) for (const m of ofKey.values()) if (m.wrapped.rootVersion === rootVersion) n++;
    for (const k of this.#accessKeys.values()) if (k.secret.rootVersion === rootVersion) n++;
    for (const c of this.#customKeyStores.values()) if (c.password.rootVersion === rootVersion) n++;
    return n;
  }

  async putAccount(account: AccountRecord): Promise<void> {
    this.#write();
    this.#accounts.set(account.accountId, { ...account });
  }

  async getAccount(accountId: string): Promise<AccountRecord | undefined> {
    const a = this.#accounts.get(accountId);
    return a && { ...a };
  }

  async listAccounts(): Promise<readonly AccountRecord[]> {
    return [...this.#accounts.values()].sort((a, b) => (a.accountId < b.accountId ? -1 : 1)).map((a) => ({ ...a }));
  }

  async deleteAccount(accountId: string): Promise<boolean> {
    this.#write();
    const arns = new Set<string>();
    for (const [arn, p] of this.#principals) {
      if (p.accountId === accountId) {
        arns.add(arn);
        this.#principals.delete(arn);
      }
    }
    for (const [id, k] of this.#accessKeys) {
      if (k.accountId === accountId || arns.has(k.principalArn)) this.#accessKeys.delete(id);
    }
    return this.#accounts.delete(accountId);
  }

  async accountHasKeys(accountId: string): Promise<boolean> {
    for (const k of this.#keys.values()) if (k.accountId === accountId) return true;
    return false;
  }

  async putPrincipal(principal: PrincipalRecord): Promise<void> {
    this.#write();
    this.#principals.set(principal.arn, copyPrincipal(principal));
  }

  async getPrincipal(arn: string): Promise<PrincipalRecord | undefined> {
    const p = this.#principals.get(arn);
    return p && copyPrincipal(p);
  }

  async listPrincipals(accountId: string): Promise<readonly PrincipalRecord[]> {
    return [...this.#principals.values()]
      .filter((p) => p.accountId === accountId)
      .sort((a, b) => (a.arn < b.arn ? -1 : 1))
      .map(copyPrincipal);
  }

  async deletePrincipal(arn: string): Promise<boolean> {
    this.#write();
    for (const [id, k] of this.#accessKeys) if (k.principalArn === arn) this.#accessKeys.delete(id);
    return this.#principals.delete(arn);
  }

  async putAccessKey(key: AccessKeyRecord): Promise<void> {
    this.#write();
    this.#accessKeys.set(key.accessKeyId, copyAccessKey(key));
  }

  async getAccessKey(accessKeyId: string): Promise<AccessKeyRecord | undefined> {
    const k = this.#accessKeys.get(accessKeyId);
    return k && copyAccessKey(k);
  }

  async listAccessKeys(principalArn: string): Promise<readonly AccessKeyRecord[]> {
    return [...this.#accessKeys.values()]
      .filter((k) => k.principalArn === principalArn)
      .sort((a, b) => (a.accessKeyId < b.accessKeyId ? -1 : 1))
      .map(copyAccessKey);
  }

  async deleteAccessKey(accessKeyId: string): Promise<boolean> {
    this.#write();
    return this.#accessKeys.delete(accessKeyId);
  }

  async putRoleSession(session: RoleSessionRecord): Promise<void> {
    this.#write();
    this.#roleSessions.set(session.accessKeyId, copyRoleSession(session));
  }

  async getRoleSession(accessKeyId: string): Promise<RoleSessionRecord | undefined> {
    const r = this.#roleSessions.get(accessKeyId);
    return r && copyRoleSession(r);
  }

  async deleteRoleSessionsOf(roleArn: string): Promise<number> {
    return this.#deleteSessionsWhere((r) => r.roleArn === roleArn, Infinity);
  }

  async deleteExpiredRoleSessions(now: number, limit: number): Promise<number> {
    return this.#deleteSessionsWhere((r) => r.expiresAt <= now, limit);
  }

  async deleteRoleSessionsNotUnder(rootVersion: string): Promise<number> {
    return this.#deleteSessionsWhere((r) => r.secret.rootVersion !== rootVersion, Infinity);
  }

  #deleteSessionsWhere(match: (r: RoleSessionRecord) => boolean, limit: number): number {
    this.#write();
    let n = 0;
    for (const [id, r] of this.#roleSessions) {
      if (n >= limit) break;
      if (match(r)) {
        this.#roleSessions.delete(id);
        n++;
      }
    }
    return n;
  }

  async startKeyUsageTracking(now: number): Promise<number> {
    this.#write();
    this.#usageTrackingStart ??= now;
    return this.#usageTrackingStart;
  }

  async keyUsageTrackingStart(): Promise<number | undefined> {
    return this.#usageTrackingStart;
  }

  async addKeyUsage(deltas: readonly KeyUsageRecord[]): Promise<void> {
    this.#write();
    const next = new Map(this.#usage);
    for (const d of deltas) {
      if (this.#keys.has(d.keyId)) next.set(d.keyId, mergeKeyUsage(next.get(d.keyId), structuredClone(d)));
    }
    this.#usage = next;
  }

  async getKeyUsage(keyId: string): Promise<KeyUsageRecord | undefined> {
    const u = this.#usage.get(keyId);
    return u && structuredClone(u);
  }

  /** Which constraint a custom key store record would break, if any (id, name in its partition, cluster). */
  #customKeyStoreConflict(c: CustomKeyStoreRecord, replacing: string | undefined): string | undefined {
    for (const o of this.#customKeyStores.values()) {
      if (o.customKeyStoreId === replacing) continue;
      if (o.customKeyStoreId === c.customKeyStoreId) return `custom key store ${c.customKeyStoreId}`;
      if (o.accountId === c.accountId && o.region === c.region && o.name === c.name) return `custom key store name ${c.name}`;
      if (o.cloudHsmClusterId === c.cloudHsmClusterId) return `custom key store for cluster ${c.cloudHsmClusterId}`;
    }
    return undefined;
  }

  async createCustomKeyStore(cks: CustomKeyStoreRecord): Promise<void> {
    this.#write();
    const conflict = this.#customKeyStoreConflict(cks, undefined);
    if (conflict !== undefined) throw new DuplicateEntry(conflict);
    this.#customKeyStores.set(cks.customKeyStoreId, copyCustomKeyStore({ ...cks, revision: 1 }));
  }

  async getCustomKeyStore(customKeyStoreId: string): Promise<CustomKeyStoreRecord | undefined> {
    const c = this.#customKeyStores.get(customKeyStoreId);
    return c && copyCustomKeyStore(c);
  }

  async listCustomKeyStores(
    partition: { readonly accountId: string; readonly region: string } | undefined,
    after: string | undefined,
    limit: number,
  ): Promise<Page<CustomKeyStoreRecord>> {
    const all = [...this.#customKeyStores.values()]
      .filter(
        (c) =>
          (partition === undefined || (c.accountId === partition.accountId && c.region === partition.region)) &&
          (after === undefined || c.customKeyStoreId > after),
      )
      .sort(byString((c) => c.customKeyStoreId))
      .map(copyCustomKeyStore);
    return pageOf(all, limit, (c) => c.customKeyStoreId);
  }

  async updateCustomKeyStore(cks: CustomKeyStoreRecord, expectedRevision: number): Promise<CustomKeyStoreRecord> {
    this.#write();
    const cur = this.#customKeyStores.get(cks.customKeyStoreId);
    if (cur === undefined || cur.revision !== expectedRevision) throw new RevisionConflict();
    const conflict = this.#customKeyStoreConflict(cks, cks.customKeyStoreId);
    if (conflict !== undefined) throw new DuplicateEntry(conflict);
    const next = copyCustomKeyStore({ ...cks, revision: cur.revision + 1 });
    this.#customKeyStores.set(cks.customKeyStoreId, next);
    return copyCustomKeyStore(next);
  }

  async deleteCustomKeyStore(customKeyStoreId: string): Promise<boolean> {
    this.#write();
    return this.#customKeyStores.delete(customKeyStoreId);
  }

  async customKeyStoreHasKeys(customKeyStoreId: string): Promise<boolean> {
    for (const k of this.#keys.values()) if (k.customKeyStoreId === customKeyStoreId) return true;
    return false;
  }

  async resetKeys(): Promise<void> {
    this.#write();
    this.#keys.clear();
    this.#materials.clear();
    this.#aliases.clear();
    this.#grants.clear();
    this.#grantKeys.clear();
    this.#usage.clear();
  }

  async close(): Promise<void> {}
}
