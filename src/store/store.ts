import type { CustomKeyStoreRecord } from "../domain/custom-key-store.js";
import type { GrantRecord } from "../domain/grant-record.js";
import type { AliasRecord, KeyMaterialRecord, KeyRecord } from "../domain/key-record.js";
import type { KeyUsageRecord } from "../domain/key-usage.js";
import type { WrappedKey } from "../keystore/keystore.js";

export interface AccountRecord {
  readonly accountId: string;
  readonly createdAt: number;
}

export type PrincipalType = "Root" | "IAMUser" | "Role";

export interface PrincipalRecord {
  /** arn:aws:iam::ACCOUNT:root | user/NAME | role/NAME */
  readonly arn: string;
  readonly accountId: string;
  readonly type: PrincipalType;
  readonly name: string;
  /** Stable unique id (AIDA... for users, AROA... for roles, the account id for root). */
  readonly principalId: string;
  readonly createdAt: number;
  /** Identity (IAM) policies attached to the principal, by name. */
  readonly policies: Readonly<Record<string, string>>;
  /** Roles only: the trust policy (AssumeRolePolicyDocument); absent means trust the role's own account. */
  readonly trustPolicy?: string;
}

export interface AccessKeyRecord {
  readonly accessKeyId: string;
  readonly principalArn: string;
  readonly accountId: string;
  /** The secret access key, wrapped under the root (SigV4 needs the secret itself). */
  readonly secret: WrappedKey;
  readonly createdAt: number;
  readonly status: "Active" | "Inactive";
}

/**
 * An STS role session (AssumeRole), shared by every node. The secret is wrapped under the root
 * like an access key's; the session token is kept only as its SHA-256.
 */
export interface RoleSessionRecord {
  readonly accessKeyId: string;
  readonly accountId: string;
  readonly roleArn: string;
  /** The role's unique id (AROA...). */
  readonly roleId: string;
  readonly sessionName: string;
  readonly sessionArn: string;
  readonly issuedAt: number;
  readonly expiresAt: number;
  readonly secret: WrappedKey;
  readonly tokenHash: Buffer;
}

/** A change to one key, applied atomically with a compare-and-swap on the key's revision. */
export interface KeyChange {
  readonly key: KeyRecord;
  readonly expectedRevision: number;
  readonly addMaterials?: readonly KeyMaterialRecord[];
  readonly removeMaterialIds?: readonly string[];
}

export interface Page<T> {
  readonly items: readonly T[];
  /** Present when more items follow; an opaque position for the next call. */
  readonly next?: string;
}

/**
 * One secret stored wrapped under a root version: a key material or an access key's secret. Root
 * rotation lists these (listWrappedNotUnder) and re-wraps each one (replaceWrapped).
 */
export type WrappedRef =
  | { readonly kind: "material"; readonly keyId: string; readonly materialId: string; readonly wrapped: WrappedKey }
  | { readonly kind: "access-key"; readonly accessKeyId: string; readonly wrapped: WrappedKey }
  | { readonly kind: "custom-key-store"; readonly customKeyStoreId: string; readonly wrapped: WrappedKey };

/** Raised when a compare-and-swap lost a race; the caller re-reads and retries. */
export class RevisionConflict extends Error {
  constructor() {
    super("key revision changed concurrently");
    this.name = "RevisionConflict";
  }
}

/** Raised when a unique name is taken (key, alias, grant). */
export class DuplicateEntry extends Error {
  constructor(what: string) {
    super(`${what} already exists`);
    this.name = "DuplicateEntry";
  }
}

/**
 * Persistence behind one interface. Every method is one atomic transaction: it either fully
 * happens (and is durable when the promise resolves) or changes nothing. Records returned are
 * copies; mutating them does not change the store.
 */
export interface Store {
  readonly kind: string;

  // Keys
  createKey(key: KeyRecord, materials: readonly KeyMaterialRecord[]): Promise<void>;
  getKey(keyId: string): Promise<KeyRecord | undefined>;
  /** Applies the change if the stored revision equals expectedRevision; returns the stored key (revision + 1). */
  updateKey(change: KeyChange): Promise<KeyRecord>;
  /** Deletes the key, its materials, its aliases and its grants. */
  deleteKey(keyId: string): Promise<void>;
  /** Keys of one account and region, ordered by key id, starting after `after`. */
  listKeys(accountId: string, region: string, after: string | undefined, limit: number): Promise<Page<KeyRecord>>;
  /** Keys whose next scheduled event (see domain nextDueAt) is at or before `now`. */
  dueKeys(now: number, limit: number): Promise<readonly KeyRecord[]>;
  countKeys(): Promise<number>;
  /** How many keys are in each key state (every account and region); states without keys are absent. */
  countKeysByState(): Promise<Record<string, number>>;

  // Key material
  getKeyMaterial(keyId: string, materialId: string): Promise<KeyMaterialRecord | undefined>;
  listKeyMaterials(keyId: string): Promise<readonly KeyMaterialRecord[]>;

  // Aliases
  createAlias(alias: AliasRecord): Promise<void>;
  getAlias(accountId: string, region: string, aliasName: string): Promise<AliasRecord | undefined>;
  /** Points an existing alias at another key; returns false when the alias does not exist. */
  updateAlias(alias: AliasRecord): Promise<boolean>;
  deleteAlias(accountId: string, region: string, aliasName: string): Promise<boolean>;
  /** Aliases of one account and region ordered by name, optionally only those of one key. */
  listAliases(
    accountId: string,
    region: string,
    keyId: string | undefined,
    after: string | undefined,
    limit: number,
  ): Promise<Page<AliasRecord>>;

  // Grants
  /** Stores a new grant; raises DuplicateEntry when a grant with its grantId exists (on any key). */
  createGrant(grant: GrantRecord): Promise<void>;
  getGrant(keyId: string, grantId: string): Promise<GrantRecord | undefined>;
  /** Grants of one key ordered by grant id, starting after the grant id `after`. */
  listGrants(keyId: string, after: string | undefined, limit: number): Promise<Page<GrantRecord>>;
  /** Every grant of one key whose grantee principal is exactly `granteePrincipal`, ordered by grant id. */
  listGrantsForGrantee(keyId: string, granteePrincipal: string): Promise<readonly GrantRecord[]>;
  /**
   * Grants (of every key) that `retiringPrincipal` may retire, ordered by (keyId, grantId). The
   * position `next` is `${keyId}/${grantId}` of the last grant returned; pass it back as `after`.
   */
  listRetirableGrants(retiringPrincipal: string, after: string | undefined, limit: number): Promise<Page<GrantRecord>>;
  /** Removes one grant; returns false when the key has no such grant. */
  deleteGrant(keyId: string, grantId: string): Promise<boolean>;
  countGrants(keyId: string): Promise<number>;

  // Root re-wrap
  /**
   * Up to `limit` wrapped secrets whose root version is not `rootVersion`: key materials ordered by
   * (rootVersion, keyId, materialId), then access keys ordered by (rootVersion, accessKeyId), then
   * custom key store passwords ordered by (rootVersion, customKeyStoreId).
   * Re-wrapping what it returns and asking again walks through everything.
   */
  listWrappedNotUnder(rootVersion: string, limit: number): Promise<readonly WrappedRef[]>;
  /**
   * Compare-and-swap of one wrapped secret: replaces it with `next` only if what is stored still
   * has ref.wrapped's root version and blob. False when it changed or is gone.
   */
  replaceWrapped(ref: WrappedRef, next: WrappedKey): Promise<boolean>;
  /** How many wrapped secrets (materials, access keys, custom key store passwords) are wrapped under `rootVersion`. */
  countWrappedUnder(rootVersion: string): Promise<number>;

  // Identities
  putAccount(account: AccountRecord): Promise<void>;
  getAccount(accountId: string): Promise<AccountRecord | undefined>;
  listAccounts(): Promise<readonly AccountRecord[]>;
  /**
   * Removes the account, its principals and their access keys (and any access key recorded under
   * the account). Keys, aliases and grants are not touched. True when the account existed.
   */
  deleteAccount(accountId: string): Promise<boolean>;
  /** Whether any key (in any region, in any state) belongs to the account. */
  accountHasKeys(accountId: string): Promise<boolean>;
  putPrincipal(principal: PrincipalRecord): Promise<void>;
  getPrincipal(arn: string): Promise<PrincipalRecord | undefined>;
  listPrincipals(accountId: string): Promise<readonly PrincipalRecord[]>;
  deletePrincipal(arn: string): Promise<boolean>;
  putAccessKey(key: AccessKeyRecord): Promise<void>;
  getAccessKey(accessKeyId: string): Promise<AccessKeyRecord | undefined>;
  listAccessKeys(principalArn: string): Promise<readonly AccessKeyRecord[]>;
  deleteAccessKey(accessKeyId: string): Promise<boolean>;

  // STS role sessions (AssumeRole). Times are integer epoch milliseconds.
  /** Stores a session (replacing one with the same access key id). */
  putRoleSession(session: RoleSessionRecord): Promise<void>;
  getRoleSession(accessKeyId: string): Promise<RoleSessionRecord | undefined>;
  /** Removes every session of the role; returns how many. */
  deleteRoleSessionsOf(roleArn: string): Promise<number>;
  /** Removes up to `limit` sessions that expired at or before `now`; returns how many. */
  deleteExpiredRoleSessions(now: number, limit: number): Promise<number>;
  /** Removes every session whose secret is not wrapped under `rootVersion` (root rotation ends them). */
  deleteRoleSessionsNotUnder(rootVersion: string): Promise<number>;

  // Key usage (GetKeyLastUsage, per-version counts). Times are integer epoch milliseconds.
  /**
   * When this store began tracking key usage: the first call records `now`, later calls (from any
   * node) return that first time.
   */
  startKeyUsageTracking(now: number): Promise<number>;
  /** The time startKeyUsageTracking recorded; undefined when it was never called. */
  keyUsageTrackingStart(): Promise<number | undefined>;
  /**
   * Adds usage deltas in one transaction: per version, counts are added and times keep the later;
   * a key's last use is replaced only by a later one. Deltas of keys that do not exist are ignored.
   */
  addKeyUsage(deltas: readonly KeyUsageRecord[]): Promise<void>;
  /** A key's usage; undefined when none was recorded. deleteKey and resetKeys remove it. */
  getKeyUsage(keyId: string): Promise<KeyUsageRecord | undefined>;

  // Custom key stores (CreateCustomKeyStore and friends). Records are small; an account and region
  // has at most a handful.
  /**
   * Stores a new custom key store (revision 1). DuplicateEntry when its id is taken, when its name
   * is taken in its account and region, or when another store (anywhere) has its cluster id.
   */
  createCustomKeyStore(cks: CustomKeyStoreRecord): Promise<void>;
  getCustomKeyStore(customKeyStoreId: string): Promise<CustomKeyStoreRecord | undefined>;
  /**
   * Custom key stores of one account and region (or of every partition when `partition` is
   * undefined), ordered by id, starting after the id `after`.
   */
  listCustomKeyStores(
    partition: { readonly accountId: string; readonly region: string } | undefined,
    after: string | undefined,
    limit: number,
  ): Promise<Page<CustomKeyStoreRecord>>;
  /**
   * Replaces the record if its stored revision is `expectedRevision` (RevisionConflict otherwise,
   * also when it is gone); returns the stored record (revision + 1). DuplicateEntry on a name or
   * cluster id another store has.
   */
  updateCustomKeyStore(cks: CustomKeyStoreRecord, expectedRevision: number): Promise<CustomKeyStoreRecord>;
  /** Removes the record; false when there was none. Keys are not touched. */
  deleteCustomKeyStore(customKeyStoreId: string): Promise<boolean>;
  /** Whether any key (in any state) names this custom key store. */
  customKeyStoreHasKeys(customKeyStoreId: string): Promise<boolean>;

  /** Removes every key, material, alias and grant (dev-mode reset). Identities and custom key stores stay. */
  resetKeys(): Promise<void>;
  close(): Promise<void>;
}

/** The `next` position of listRetirableGrants: `${keyId}/${grantId}` of the last grant returned. */
export function retirablePosition(g: { readonly keyId: string; readonly grantId: string }): string {
  return `${g.keyId}/${g.grantId}`;
}

/**
 * Reads a listRetirableGrants position back. Grant ids never contain "/", so the last "/" splits
 * it; a string without one is read as a key id (resume with that key's first grant after "").
 */
export function parseRetirablePosition(after: string): { readonly keyId: string; readonly grantId: string } {
  const i = after.lastIndexOf("/");
  return i < 0 ? { keyId: after, grantId: "" } : { keyId: after.slice(0, i), grantId: after.slice(i + 1) };
}

/**
 * A page of `rows`, which hold the first `limit` items and, when more follow, at least one more:
 * `next` is then the position (`pos`) of the last item returned.
 */
export function pageOf<T>(rows: readonly T[], limit: number, pos: (t: T) => string): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return rows.length > limit && last !== undefined ? { items, next: pos(last) } : { items };
}
