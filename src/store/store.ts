import type { AliasRecord, KeyMaterialRecord, KeyRecord } from "../domain/key-record.js";
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

/** Raised when a compare-and-swap lost a race; the caller re-reads and retries. */
export class RevisionConflict extends Error {
  constructor() {
    super("key revision changed concurrently");
    this.name = "RevisionConflict";
  }
}

/** Raised when a unique name is taken (alias, principal, access key). */
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
  /** Deletes the key, its materials and its aliases. */
  deleteKey(keyId: string): Promise<void>;
  /** Keys of one account and region, ordered by key id, starting after `after`. */
  listKeys(accountId: string, region: string, after: string | undefined, limit: number): Promise<Page<KeyRecord>>;
  /** Keys whose next scheduled event (see domain nextDueAt) is at or before `now`. */
  dueKeys(now: number, limit: number): Promise<readonly KeyRecord[]>;
  countKeys(): Promise<number>;

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

  // Identities
  putAccount(account: AccountRecord): Promise<void>;
  getAccount(accountId: string): Promise<AccountRecord | undefined>;
  listAccounts(): Promise<readonly AccountRecord[]>;
  putPrincipal(principal: PrincipalRecord): Promise<void>;
  getPrincipal(arn: string): Promise<PrincipalRecord | undefined>;
  listPrincipals(accountId: string): Promise<readonly PrincipalRecord[]>;
  deletePrincipal(arn: string): Promise<boolean>;
  putAccessKey(key: AccessKeyRecord): Promise<void>;
  getAccessKey(accessKeyId: string): Promise<AccessKeyRecord | undefined>;
  listAccessKeys(principalArn: string): Promise<readonly AccessKeyRecord[]>;
  deleteAccessKey(accessKeyId: string): Promise<boolean>;

  /** Removes every key, material, alias (dev-mode reset). Identities stay. */
  resetKeys(): Promise<void>;
  close(): Promise<void>;
}
