import { nextDueAt, type AliasRecord, type KeyMaterialRecord, type KeyRecord } from "../domain/key-record.js";
import { copyAccessKey, copyAlias, copyKey, copyMaterial, copyPrincipal } from "./record-copy.js";
import {
  DuplicateEntry,
  RevisionConflict,
  type AccessKeyRecord,
  type AccountRecord,
  type KeyChange,
  type Page,
  type PrincipalRecord,
  type Store,
} from "./store.js";

/** Thrown by an injected write failure. */
export class InjectedWriteFailure extends Error {
  constructor() {
    super("injected write failure");
    this.name = "InjectedWriteFailure";
  }
}

function page<T>(sorted: T[], limit: number, pos: (t: T) => string): Page<T> {
  const items = sorted.slice(0, limit);
  const last = items[items.length - 1];
  return sorted.length > limit && last !== undefined ? { items, next: pos(last) } : { items };
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
  }

  async listKeys(accountId: string, region: string, after: string | undefined, limit: number): Promise<Page<KeyRecord>> {
    const all = [...this.#keys.values()]
      .filter((k) => k.accountId === accountId && k.region === region && (after === undefined || k.keyId > after))
      .sort((a, b) => (a.keyId < b.keyId ? -1 : 1))
      .map(copyKey);
    return page(all, limit, (k) => k.keyId);
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
    return page(all, limit, (a) => a.aliasName);
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

  async resetKeys(): Promise<void> {
    this.#write();
    this.#keys.clear();
    this.#materials.clear();
    this.#aliases.clear();
  }

  async close(): Promise<void> {}
}
