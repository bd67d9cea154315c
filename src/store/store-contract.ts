/**
 * The contract every Store backend must meet, as one node:test suite. A backend's test file calls
 * `runStoreContract(name, open)`; `open` gives a fresh, empty store for each test.
 */
import { strict as assert } from "node:assert";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import type { GrantRecord } from "../domain/grant-record.js";
import type { AliasRecord, KeyMaterialRecord, KeyRecord, Tag } from "../domain/key-record.js";
import type { KeyUsageRecord } from "../domain/key-usage.js";
import type { WrappedKey } from "../keystore/keystore.js";
import {
  DuplicateEntry,
  RevisionConflict,
  type AccessKeyRecord,
  type AccountRecord,
  type PrincipalRecord,
  type Store,
  type WrappedRef,
} from "./store.js";
import { runCustomKeyStoreContract } from "./store-contract-custom-key-stores.js";
import { runRoleSessionContract } from "./store-contract-role-sessions.js";
import { injectedWriteFailure, type ContractHarness, type ContractTest, type WriteCase } from "./store-contract-support.js";

export interface OpenedStore {
  readonly store: Store;
  /** Makes the next n write calls of the current store fail. */
  readonly injectFailures: (n: number) => void;
  /**
   * Closes the current store and opens the same data again. Afterwards `injectFailures` and
   * `cleanup` apply to the returned store.
   */
  readonly reopen?: () => Promise<Store>;
  /** Closes the current store and removes whatever it left behind. */
  readonly cleanup: () => Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Fixtures

const T0 = 1_700_000_000_000;
const DAY = 86_400_000;
const ACCOUNT_A = "111111111111";
const ACCOUNT_B = "222222222222";
const REGION_1 = "us-east-1";
const REGION_2 = "eu-west-1";
const PARTITIONS: readonly (readonly [string, string])[] = [
  [ACCOUNT_A, REGION_1],
  [ACCOUNT_A, REGION_2],
  [ACCOUNT_B, REGION_1],
  [ACCOUNT_B, REGION_2],
];

function kid(n: number): string {
  return `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
}

function mid(label: string): string {
  return createHash("sha256").update(label).digest("hex");
}

/** Every byte value, so that any encoding slip (text, base64, NUL truncation) shows. */
function blob(label: string): Buffer {
  return Buffer.concat([Buffer.from(label, "utf8"), Buffer.from(Array.from({ length: 256 }, (_, i) => i))]);
}

const K1 = kid(1);
const K2 = kid(2);
const K3 = kid(3);
const K4 = kid(4);
const K5 = kid(5);
const NEW_KEY = kid(9);
const PROBE_KEYS = [K1, K2, K3, K4, K5, NEW_KEY];

const ROOT_A = `arn:aws:iam::${ACCOUNT_A}:root`;
const ALICE = `arn:aws:iam::${ACCOUNT_A}:user/alice`;
const ROLE_B = `arn:aws:iam::${ACCOUNT_B}:role/deployer`;
const NEW_PRINCIPAL = `arn:aws:iam::${ACCOUNT_B}:user/bob`;
const PROBE_PRINCIPALS = [ROOT_A, ALICE, ROLE_B, NEW_PRINCIPAL];
const PROBE_ACCESS_KEYS = [
  "AKIAALICE0000000001",
  "AKIAALICE0000000002",
  "AKIAROOTA0000000001",
  "AKIAROLEB0000000001",
  "AKIANEW00000000000001",
];
const ACCOUNT_C = "333333333333";
const PROBE_ACCOUNTS = [ACCOUNT_A, ACCOUNT_B, ACCOUNT_C];
/** Root versions of the fixtures: most secrets are under v1; one material under v2, one access key under v0. */
const ROOT_VERSIONS = ["root-v0", "root-v1", "root-v2", "root-v9"];

/** Grant ids are 64 lower-case hex, like material ids. */
function gid(label: string): string {
  return mid(`grant/${label}`);
}
const GA = gid("a");
const GB = gid("b");
const GC = gid("c");
const GD = gid("d");
const GE = gid("e");
const NEW_GRANT = gid("new");
/** Each fixture grant with the key it is on. */
const PROBE_GRANTS: readonly (readonly [string, string])[] = [
  [K1, GA],
  [K1, GB],
  [K1, GC],
  [K3, GD],
  [K4, GE],
  [K5, NEW_GRANT],
];

function makeKey(keyId: string, over: Partial<KeyRecord> = {}): KeyRecord {
  return {
    keyId,
    accountId: ACCOUNT_A,
    region: REGION_1,
    createdAt: T0,
    description: "a test key",
    keyUsage: "ENCRYPT_DECRYPT",
    keySpec: "SYMMETRIC_DEFAULT",
    origin: "AWS_KMS",
    keyState: "Enabled",
    policy: '{"Version":"2012-10-17","Statement":[]}',
    tags: [{ TagKey: "team", TagValue: "payments" }],
    rotation: { enabled: false, periodDays: 365, onDemandCount: 0 },
    currentMaterialId: mid(`${keyId}/1`),
    revision: 0,
    ...over,
  };
}

function makeMaterial(keyId: string, n: number, over: Partial<KeyMaterialRecord> = {}): KeyMaterialRecord {
  return {
    keyId,
    materialId: mid(`${keyId}/${n}`),
    createdAt: T0 + n,
    origin: n === 1 ? "CREATE" : "ROTATION_ON_DEMAND",
    wrapped: { rootVersion: "root-v1", blob: blob(`${keyId}/${n}`) },
    ...over,
  };
}

function makeAlias(aliasName: string, targetKeyId: string, over: Partial<AliasRecord> = {}): AliasRecord {
  return {
    accountId: ACCOUNT_A,
    region: REGION_1,
    aliasName,
    targetKeyId,
    createdAt: T0,
    updatedAt: T0,
    ...over,
  };
}

function makePrincipal(arn: string, over: Partial<PrincipalRecord> = {}): PrincipalRecord {
  const accountId = arn.split(":")[4] ?? "";
  const tail = arn.split(":")[5] ?? "";
  const type = tail === "root" ? "Root" : tail.startsWith("role/") ? "Role" : "IAMUser";
  return {
    arn,
    accountId,
    type,
    name: tail.split("/")[1] ?? tail,
    principalId: type === "Root" ? accountId : `AIDA${createHash("sha256").update(arn).digest("hex").slice(0, 16).toUpperCase()}`,
    createdAt: T0,
    policies: { "kms-use": '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}' },
    ...over,
  };
}

function makeGrant(label: string, keyId: string, over: Partial<GrantRecord> = {}): GrantRecord {
  return {
    grantId: gid(label),
    keyId,
    keyAccountId: ACCOUNT_A,
    region: REGION_1,
    granteePrincipal: ALICE,
    operations: ["Encrypt", "Decrypt"],
    issuingAccount: ROOT_A,
    createdAt: T0,
    ...over,
  };
}

function makeAccessKey(accessKeyId: string, principalArn: string, over: Partial<AccessKeyRecord> = {}): AccessKeyRecord {
  return {
    accessKeyId,
    principalArn,
    accountId: principalArn.split(":")[4] ?? "",
    secret: { rootVersion: "root-v1", blob: blob(accessKeyId) },
    createdAt: T0,
    status: "Active",
    ...over,
  };
}

/**
 * A small world: K1 and K2 in (A, us-east-1), K3 in (A, eu-west-1), K4 in (B, us-east-1); K2 is
 * pending deletion and K4 rotates (both due later); two accounts, three principals, three access
 * keys. K1 has two materials and two aliases; `alias/one` also exists in eu-west-1 (for K3).
 * Grants: GA, GB, GC on K1, GD on K3, GE on K4 (see seedGrants). Every wrapped secret is under
 * root-v1 except K3's second material (root-v2) and ROLE_B's access key (root-v0).
 */
async function seed(s: Store): Promise<void> {
  await s.putAccount({ accountId: ACCOUNT_A, createdAt: T0 });
  await s.putAccount({ accountId: ACCOUNT_B, createdAt: T0 + 1 });
  await s.putPrincipal(makePrincipal(ROOT_A));
  await s.putPrincipal(makePrincipal(ALICE));
  await s.putPrincipal(makePrincipal(ROLE_B));
  await s.putAccessKey(makeAccessKey("AKIAALICE0000000001", ALICE));
  await s.putAccessKey(makeAccessKey("AKIAALICE0000000002", ALICE, { status: "Inactive" }));
  await s.putAccessKey(makeAccessKey("AKIAROOTA0000000001", ROOT_A));
  await s.putAccessKey(
    makeAccessKey("AKIAROLEB0000000001", ROLE_B, { secret: { rootVersion: "root-v0", blob: blob("AKIAROLEB0000000001") } }),
  );
  await s.createKey(makeKey(K1), [makeMaterial(K1, 1), makeMaterial(K1, 2, { publicKey: blob("spki") })]);
  await s.createKey(makeKey(K2, { keyState: "PendingDeletion", deletionDate: T0 + 7 * DAY, pendingWindowDays: 7 }), [
    makeMaterial(K2, 1),
  ]);
  await s.createKey(makeKey(K3, { region: REGION_2 }), [
    makeMaterial(K3, 1),
    makeMaterial(K3, 2, { wrapped: { rootVersion: "root-v2", blob: blob(`${K3}/2`) } }),
  ]);
  await s.createKey(
    makeKey(K4, { accountId: ACCOUNT_B, rotation: { enabled: true, periodDays: 90, nextRotationAt: T0 + 90 * DAY, onDemandCount: 0 } }),
    [makeMaterial(K4, 1)],
  );
  await s.createKey(makeKey(K5), [makeMaterial(K5, 1)]);
  await s.createAlias(makeAlias("alias/one", K1));
  await s.createAlias(makeAlias("alias/uno", K1));
  await s.createAlias(makeAlias("alias/two", K2));
  await s.createAlias(makeAlias("alias/one", K3, { region: REGION_2 }));
  for (const g of SEED_GRANTS) await s.createGrant(g);
  await s.startKeyUsageTracking(T0);
  await s.addKeyUsage([SEED_USAGE]);
}

/** K1 was used: its first version encrypted 3 times and decrypted once, its second encrypted once. */
const SEED_USAGE: KeyUsageRecord = {
  keyId: K1,
  last: { at: T0 + 50, operation: "Decrypt", requestId: "req-seed", eventId: "evt-seed" },
  versions: [
    { materialId: mid(`${K1}/1`), encryptions: 3, decryptions: 1, lastEncryptAt: T0 + 10, lastDecryptAt: T0 + 50 },
    { materialId: mid(`${K1}/2`), encryptions: 1, decryptions: 0, lastEncryptAt: T0 + 20 },
  ],
};

const SEED_GRANTS: readonly GrantRecord[] = [
  makeGrant("a", K1, {
    name: "first",
    retiringPrincipal: ROLE_B,
    constraints: { EncryptionContextSubset: { Department: "IT", "naïve": "café ☕" } },
  }),
  makeGrant("b", K1, { granteePrincipal: ROLE_B, operations: ["GenerateDataKey"], createdAt: T0 + 1 }),
  makeGrant("c", K1, {
    operations: ["Decrypt", "RetireGrant"],
    constraints: { EncryptionContextEquals: { purpose: "test" } },
    createdAt: T0 + 2,
  }),
  makeGrant("d", K3, { region: REGION_2, retiringPrincipal: ROLE_B }),
  makeGrant("e", K4, { keyAccountId: ACCOUNT_B, granteePrincipal: ROLE_B, retiringPrincipal: ALICE, issuingAccount: `arn:aws:iam::${ACCOUNT_B}:root` }),
];

function seedGrant(grantId: string): GrantRecord {
  const g = SEED_GRANTS.find((x) => x.grantId === grantId);
  assert.ok(g, `no seed grant ${grantId}`);
  return g;
}

interface Snapshot {
  readonly count: number;
  readonly keys: Readonly<Record<string, readonly KeyRecord[]>>;
  readonly keysById: Readonly<Record<string, KeyRecord | undefined>>;
  readonly materials: Readonly<Record<string, readonly KeyMaterialRecord[]>>;
  readonly aliases: Readonly<Record<string, readonly AliasRecord[]>>;
  readonly due: readonly KeyRecord[];
  readonly accounts: readonly AccountRecord[];
  readonly principals: Readonly<Record<string, readonly PrincipalRecord[]>>;
  readonly principalsByArn: Readonly<Record<string, PrincipalRecord | undefined>>;
  readonly accessKeys: Readonly<Record<string, readonly AccessKeyRecord[]>>;
  readonly accessKeysById: Readonly<Record<string, AccessKeyRecord | undefined>>;
  readonly accountsById: Readonly<Record<string, AccountRecord | undefined>>;
  readonly accountHasKeys: Readonly<Record<string, boolean>>;
  readonly grants: Readonly<Record<string, readonly GrantRecord[]>>;
  readonly grantCounts: Readonly<Record<string, number>>;
  readonly grantsById: Readonly<Record<string, GrantRecord | undefined>>;
  readonly grantsByGrantee: Readonly<Record<string, readonly GrantRecord[]>>;
  readonly retirable: Readonly<Record<string, readonly GrantRecord[]>>;
  readonly wrappedNotUnder: Readonly<Record<string, readonly WrappedRef[]>>;
  readonly wrappedUnder: Readonly<Record<string, number>>;
  readonly usage: Readonly<Record<string, KeyUsageRecord | undefined>>;
  readonly keysByState: Readonly<Record<string, number>>;
  readonly usageTrackingStart: number | undefined;
}

/** Everything the store holds that the fixtures can reach, read through every read method. */
async function snapshot(s: Store): Promise<Snapshot> {
  const keys: Record<string, readonly KeyRecord[]> = {};
  const aliases: Record<string, readonly AliasRecord[]> = {};
  for (const [account, region] of PARTITIONS) {
    keys[`${account}/${region}`] = (await s.listKeys(account, region, undefined, 1000)).items;
    aliases[`${account}/${region}`] = (await s.listAliases(account, region, undefined, undefined, 1000)).items;
  }
  const keysById: Record<string, KeyRecord | undefined> = {};
  const materials: Record<string, readonly KeyMaterialRecord[]> = {};
  for (const id of PROBE_KEYS) {
    keysById[id] = await s.getKey(id);
    materials[id] = await s.listKeyMaterials(id);
  }
  const accounts = await s.listAccounts();
  const principals: Record<string, readonly PrincipalRecord[]> = {};
  for (const a of [ACCOUNT_A, ACCOUNT_B]) principals[a] = await s.listPrincipals(a);
  const principalsByArn: Record<string, PrincipalRecord | undefined> = {};
  const accessKeys: Record<string, readonly AccessKeyRecord[]> = {};
  for (const arn of PROBE_PRINCIPALS) {
    principalsByArn[arn] = await s.getPrincipal(arn);
    accessKeys[arn] = await s.listAccessKeys(arn);
  }
  const accessKeysById: Record<string, AccessKeyRecord | undefined> = {};
  for (const id of PROBE_ACCESS_KEYS) accessKeysById[id] = await s.getAccessKey(id);
  const due = [...(await s.dueKeys(Number.MAX_SAFE_INTEGER, 1000))].sort((a, b) => (a.keyId < b.keyId ? -1 : 1));
  const accountsById: Record<string, AccountRecord | undefined> = {};
  const accountHasKeys: Record<string, boolean> = {};
  for (const a of PROBE_ACCOUNTS) {
    accountsById[a] = await s.getAccount(a);
    accountHasKeys[a] = await s.accountHasKeys(a);
  }
  const grants: Record<string, readonly GrantRecord[]> = {};
  const grantCounts: Record<string, number> = {};
  const grantsByGrantee: Record<string, readonly GrantRecord[]> = {};
  for (const k of PROBE_KEYS) {
    grants[k] = (await s.listGrants(k, undefined, 1000)).items;
    grantCounts[k] = await s.countGrants(k);
    for (const p of PROBE_PRINCIPALS) grantsByGrantee[`${k} ${p}`] = await s.listGrantsForGrantee(k, p);
  }
  const grantsById: Record<string, GrantRecord | undefined> = {};
  for (const [k, g] of PROBE_GRANTS) grantsById[g] = await s.getGrant(k, g);
  const retirable: Record<string, readonly GrantRecord[]> = {};
  for (const p of PROBE_PRINCIPALS) retirable[p] = (await s.listRetirableGrants(p, undefined, 1000)).items;
  const wrappedNotUnder: Record<string, readonly WrappedRef[]> = {};
  const wrappedUnder: Record<string, number> = {};
  for (const v of ROOT_VERSIONS) {
    wrappedNotUnder[v] = await s.listWrappedNotUnder(v, 1000);
    wrappedUnder[v] = await s.countWrappedUnder(v);
  }
  const usage: Record<string, KeyUsageRecord | undefined> = {};
  for (const k of PROBE_KEYS) usage[k] = await s.getKeyUsage(k);
  return {
    usage,
    keysByState: await s.countKeysByState(),
    usageTrackingStart: await s.keyUsageTrackingStart(),
    count: await s.countKeys(),
    keys,
    keysById,
    materials,
    aliases,
    due,
    accounts,
    principals,
    principalsByArn,
    accessKeys,
    accessKeysById,
    accountsById,
    accountHasKeys,
    grants,
    grantCounts,
    grantsById,
    grantsByGrantee,
    retirable,
    wrappedNotUnder,
    wrappedUnder,
  };
}

async function allKeyPages(s: Store, account: string, region: string, limit: number): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let after: string | undefined;
  let pages = 0;
  for (;;) {
    const p = await s.listKeys(account, region, after, limit);
    pages++;
    assert.ok(p.items.length <= limit, "a page never exceeds the limit");
    ids.push(...p.items.map((k) => k.keyId));
    if (p.next === undefined) return { ids, pages };
    assert.equal(p.items.length, limit, "a page with a next position is full");
    after = p.next;
  }
}

// ---------------------------------------------------------------------------------------------
// The suite

/** What a root re-wrap writes in the tests. */
const REWRAPPED: WrappedKey = { rootVersion: "root-v9", blob: blob("rewrapped under v9") };

/** A reference to a fixture material as makeMaterial wrote it (under root-v1). */
type MaterialRef = Extract<WrappedRef, { readonly kind: "material" }>;
type AccessKeyRef = Extract<WrappedRef, { readonly kind: "access-key" }>;

function materialRef(keyId: string, n: number): MaterialRef {
  const m = makeMaterial(keyId, n);
  return { kind: "material", keyId, materialId: m.materialId, wrapped: m.wrapped };
}

/** A reference to a fixture access key as makeAccessKey wrote it (under root-v1). */
function accessKeyRef(accessKeyId: string): AccessKeyRef {
  return { kind: "access-key", accessKeyId, wrapped: { rootVersion: "root-v1", blob: blob(accessKeyId) } };
}

const WRITE_CASES: readonly WriteCase[] = [
  {
    method: "addKeyUsage",
    act: (s) =>
      s.addKeyUsage([
        { keyId: K1, versions: [{ materialId: mid(`${K1}/1`), encryptions: 2, decryptions: 0, lastEncryptAt: T0 + 60 }] },
        { keyId: K3, last: { at: T0 + 70, operation: "Sign", requestId: "req-k3", eventId: "evt-k3" }, versions: [] },
      ]),
    check: async (s) => {
      assert.equal((await s.getKeyUsage(K1))?.versions[0]?.encryptions, 5);
      assert.equal((await s.getKeyUsage(K3))?.last?.operation, "Sign");
    },
  },
  {
    method: "startKeyUsageTracking",
    act: (s) => s.startKeyUsageTracking(T0 + 99),
    check: async (s) => assert.equal(await s.keyUsageTrackingStart(), T0, "the first start is kept"),
  },
  {
    method: "createKey",
    act: (s) => s.createKey(makeKey(NEW_KEY), [makeMaterial(NEW_KEY, 1), makeMaterial(NEW_KEY, 2)]),
    check: async (s) => {
      assert.equal((await s.getKey(NEW_KEY))?.revision, 1);
      assert.equal((await s.listKeyMaterials(NEW_KEY)).length, 2);
    },
  },
  {
    method: "updateKey",
    act: (s) =>
      s.updateKey({
        key: makeKey(K1, { description: "changed", currentMaterialId: mid(`${K1}/3`) }),
        expectedRevision: 1,
        addMaterials: [makeMaterial(K1, 3)],
        removeMaterialIds: [mid(`${K1}/1`)],
      }),
    check: async (s) => {
      const k = await s.getKey(K1);
      assert.equal(k?.description, "changed");
      assert.equal(k?.revision, 2);
      assert.deepEqual(
        (await s.listKeyMaterials(K1)).map((m) => m.materialId),
        [mid(`${K1}/2`), mid(`${K1}/3`)],
      );
    },
  },
  {
    method: "deleteKey",
    act: (s) => s.deleteKey(K1),
    check: async (s) => {
      assert.equal(await s.getKey(K1), undefined);
      assert.deepEqual(await s.listKeyMaterials(K1), []);
      assert.deepEqual((await s.listAliases(ACCOUNT_A, REGION_1, K1, undefined, 100)).items, []);
      assert.equal(await s.countGrants(K1), 0);
      assert.equal(await s.getGrant(K1, GA), undefined);
    },
  },
  {
    method: "createAlias",
    act: (s) => s.createAlias(makeAlias("alias/new", K5)),
    check: async (s) => assert.equal((await s.getAlias(ACCOUNT_A, REGION_1, "alias/new"))?.targetKeyId, K5),
  },
  {
    method: "updateAlias",
    act: async (s) => assert.equal(await s.updateAlias(makeAlias("alias/one", K5, { updatedAt: T0 + DAY })), true),
    check: async (s) => assert.equal((await s.getAlias(ACCOUNT_A, REGION_1, "alias/one"))?.targetKeyId, K5),
  },
  {
    method: "deleteAlias",
    act: async (s) => assert.equal(await s.deleteAlias(ACCOUNT_A, REGION_1, "alias/uno"), true),
    check: async (s) => assert.equal(await s.getAlias(ACCOUNT_A, REGION_1, "alias/uno"), undefined),
  },
  {
    method: "putAccount",
    act: (s) => s.putAccount({ accountId: "333333333333", createdAt: T0 }),
    check: async (s) => assert.deepEqual(await s.getAccount("333333333333"), { accountId: "333333333333", createdAt: T0 }),
  },
  {
    method: "putPrincipal",
    act: (s) => s.putPrincipal(makePrincipal(NEW_PRINCIPAL)),
    check: async (s) => assert.deepEqual(await s.getPrincipal(NEW_PRINCIPAL), makePrincipal(NEW_PRINCIPAL)),
  },
  {
    method: "deletePrincipal",
    act: async (s) => assert.equal(await s.deletePrincipal(ALICE), true),
    check: async (s) => {
      assert.equal(await s.getPrincipal(ALICE), undefined);
      assert.deepEqual(await s.listAccessKeys(ALICE), []);
    },
  },
  {
    method: "putAccessKey",
    act: (s) => s.putAccessKey(makeAccessKey("AKIANEW00000000000001", ROLE_B)),
    check: async (s) => assert.deepEqual(await s.getAccessKey("AKIANEW00000000000001"), makeAccessKey("AKIANEW00000000000001", ROLE_B)),
  },
  {
    method: "deleteAccessKey",
    act: async (s) => assert.equal(await s.deleteAccessKey("AKIAROOTA0000000001"), true),
    check: async (s) => assert.equal(await s.getAccessKey("AKIAROOTA0000000001"), undefined),
  },
  {
    method: "resetKeys",
    act: (s) => s.resetKeys(),
    check: async (s) => {
      assert.equal(await s.countKeys(), 0);
      assert.equal(await s.countGrants(K1), 0);
      assert.deepEqual((await s.listRetirableGrants(ROLE_B, undefined, 100)).items, []);
    },
  },
  {
    method: "createGrant",
    act: (s) => s.createGrant(makeGrant("new", K5, { retiringPrincipal: ROLE_B })),
    check: async (s) => {
      assert.deepEqual(await s.getGrant(K5, NEW_GRANT), makeGrant("new", K5, { retiringPrincipal: ROLE_B }));
      assert.equal(await s.countGrants(K5), 1);
    },
  },
  {
    method: "deleteGrant",
    act: async (s) => assert.equal(await s.deleteGrant(K1, GA), true),
    check: async (s) => {
      assert.equal(await s.getGrant(K1, GA), undefined);
      assert.equal(await s.countGrants(K1), 2);
    },
  },
  {
    method: "replaceWrapped (material)",
    act: async (s) => assert.equal(await s.replaceWrapped(materialRef(K1, 1), REWRAPPED), true),
    check: async (s) => {
      assert.deepEqual((await s.getKeyMaterial(K1, mid(`${K1}/1`)))?.wrapped, REWRAPPED);
      assert.equal(await s.countWrappedUnder("root-v9"), 1);
    },
  },
  {
    method: "replaceWrapped (access key)",
    act: async (s) => assert.equal(await s.replaceWrapped(accessKeyRef("AKIAALICE0000000002"), REWRAPPED), true),
    check: async (s) => {
      assert.deepEqual(
        await s.getAccessKey("AKIAALICE0000000002"),
        makeAccessKey("AKIAALICE0000000002", ALICE, { status: "Inactive", secret: REWRAPPED }),
      );
    },
  },
  {
    method: "deleteAccount",
    act: async (s) => assert.equal(await s.deleteAccount(ACCOUNT_A), true),
    check: async (s) => {
      assert.equal(await s.getAccount(ACCOUNT_A), undefined);
      assert.deepEqual(await s.listPrincipals(ACCOUNT_A), []);
      assert.equal(await s.getAccessKey("AKIAALICE0000000001"), undefined);
      assert.ok(await s.getAccessKey("AKIAROLEB0000000001"));
      assert.equal(await s.accountHasKeys(ACCOUNT_A), true);
    },
  },
];

export function runStoreContract(name: string, open: () => Promise<OpenedStore>): void {
  /** Opens a fresh store, runs the test body, and always cleans up. */
  const test: ContractTest = (body) => async (t) => {
    const opened = await open();
    const h: ContractHarness = {
      store: opened.store,
      injectFailures: opened.injectFailures,
      reopen:
        opened.reopen === undefined
          ? undefined
          : async () => {
              h.store = await (opened.reopen as () => Promise<Store>)();
            },
    };
    try {
      await body(h, t);
    } finally {
      await opened.cleanup();
    }
  };

  describe(`${name} store contract`, () => {
    describe("keys", () => {
      it(
        "createKey stores the key at revision 1 with its materials",
        test(async ({ store: s }) => {
          const key = makeKey(K1, { revision: 7 });
          const mats = [makeMaterial(K1, 1), makeMaterial(K1, 2)];
          await s.createKey(key, mats);
          assert.deepEqual(await s.getKey(K1), { ...key, revision: 1 });
          assert.deepEqual(await s.listKeyMaterials(K1), mats);
        }),
      );

      it(
        "createKey with an existing key id raises DuplicateEntry and changes nothing",
        test(async ({ store: s }) => {
          await seed(s);
          const before = await snapshot(s);
          await assert.rejects(
            s.createKey(makeKey(K1, { description: "impostor" }), [makeMaterial(K1, 5)]),
            DuplicateEntry,
          );
          assert.deepEqual(await snapshot(s), before);
        }),
      );

      it(
        "getKey of an unknown key id returns undefined",
        test(async ({ store: s }) => {
          await seed(s);
          assert.equal(await s.getKey(NEW_KEY), undefined);
        }),
      );

      it(
        "a key round-trips every field, optional ones present or absent exactly as written",
        test(async ({ store: s }) => {
          const full = makeKey(K1, {
            description: "naïve café ☕ \"quoted\" \\ slash",
            keyState: "PendingDeletion",
            deletionDate: T0 + 30 * DAY + 0.5,
            pendingWindowDays: 30,
            tags: [
              { TagKey: "a", TagValue: "" },
              { TagKey: "ünïcødé", TagValue: "値" },
            ],
            rotation: { enabled: true, periodDays: 180, nextRotationAt: T0 + 180 * DAY, onDemandStartedAt: T0 + 1, onDemandCount: 3 },
            validTo: T0 + 365 * DAY,
            expirationModel: "KEY_MATERIAL_EXPIRES",
            customKeyStoreId: "cks-1234567890abcdef0",
            origin: "EXTERNAL",
            importedMaterials: [
              { materialId: mid(`${K1}/1`), state: "NON_CURRENT", imported: false, description: "first" },
              { materialId: mid(`${K1}/2`), state: "CURRENT", imported: true, expirationModel: "KEY_MATERIAL_EXPIRES", validTo: T0 + 365 * DAY, rotatedAt: T0 + 0.5 },
            ],
          });
          const { currentMaterialId: _c, ...bare } = makeKey(K2, { keyState: "PendingImport", origin: "EXTERNAL", tags: [] });
          await s.createKey(full, []);
          await s.createKey(bare, []);
          assert.deepEqual(await s.getKey(K1), { ...full, revision: 1 });
          const got = await s.getKey(K2);
          assert.deepEqual(got, { ...bare, revision: 1 });
          for (const opt of ["deletionDate", "pendingWindowDays", "currentMaterialId", "validTo", "expirationModel", "customKeyStoreId"]) {
            assert.equal(got !== undefined && opt in got, false, `${opt} is absent, not undefined`);
          }
          assert.equal(got !== undefined && "nextRotationAt" in got.rotation, false);
        }),
      );

      it(
        "updateKey with the current revision stores the change and returns the key at revision + 1",
        test(async ({ store: s }) => {
          await seed(s);
          const changed = makeKey(K1, { description: "v2", keyState: "Disabled", revision: 99 });
          const returned = await s.updateKey({ key: changed, expectedRevision: 1 });
          assert.deepEqual(returned, { ...changed, revision: 2 });
          assert.deepEqual(await s.getKey(K1), { ...changed, revision: 2 });
          const again = await s.updateKey({ key: makeKey(K1, { description: "v3" }), expectedRevision: 2 });
          assert.equal(again.revision, 3);
          assert.equal((await s.getKey(K1))?.description, "v3");
        }),
      );

      it(
        "updateKey with a stale revision raises RevisionConflict and changes nothing",
        test(async ({ store: s }) => {
          await seed(s);
          await s.updateKey({ key: makeKey(K1, { description: "v2" }), expectedRevision: 1 });
          const before = await snapshot(s);
          await assert.rejects(
            s.updateKey({
              key: makeKey(K1, { description: "stale" }),
              expectedRevision: 1,
              addMaterials: [makeMaterial(K1, 3)],
              removeMaterialIds: [mid(`${K1}/1`)],
            }),
            RevisionConflict,
          );
          assert.deepEqual(await snapshot(s), before);
        }),
      );

      it(
        "updateKey of an unknown key raises RevisionConflict and creates nothing",
        test(async ({ store: s }) => {
          await seed(s);
          const before = await snapshot(s);
          await assert.rejects(
            s.updateKey({ key: makeKey(NEW_KEY), expectedRevision: 0, addMaterials: [makeMaterial(NEW_KEY, 1)] }),
            RevisionConflict,
          );
          await assert.rejects(s.updateKey({ key: makeKey(NEW_KEY), expectedRevision: 1 }), RevisionConflict);
          assert.deepEqual(await snapshot(s), before);
        }),
      );

      it(
        "updateKey adds and removes materials in the same change and leaves other keys' materials alone",
        test(async ({ store: s }) => {
          await seed(s);
          const k5Before = await s.listKeyMaterials(K5);
          const added = [makeMaterial(K1, 3), makeMaterial(K1, 4, { origin: "IMPORT", publicKey: blob("pub") })];
          await s.updateKey({
            key: makeKey(K1, { currentMaterialId: mid(`${K1}/4`) }),
            expectedRevision: 1,
            addMaterials: added,
            removeMaterialIds: [mid(`${K1}/1`), mid("no such material")],
          });
          assert.deepEqual(await s.listKeyMaterials(K1), [makeMaterial(K1, 2, { publicKey: blob("spki") }), ...added]);
          assert.equal(await s.getKeyMaterial(K1, mid(`${K1}/1`)), undefined);
          assert.deepEqual(await s.listKeyMaterials(K5), k5Before);
        }),
      );

      it(
        "of two concurrent updates from the same revision exactly one wins",
        test(async ({ store: s }) => {
          await seed(s);
          const results = await Promise.allSettled([
            s.updateKey({ key: makeKey(K1, { description: "left" }), expectedRevision: 1 }),
            s.updateKey({ key: makeKey(K1, { description: "right" }), expectedRevision: 1 }),
          ]);
          const won = results.filter((r) => r.status === "fulfilled");
          const lost = results.filter((r) => r.status === "rejected");
          assert.equal(won.length, 1);
          assert.equal(lost.length, 1);
          assert.ok(lost[0]?.status === "rejected" && lost[0].reason instanceof RevisionConflict);
          const stored = await s.getKey(K1);
          assert.equal(stored?.revision, 2);
          assert.deepEqual(stored, won[0]?.status === "fulfilled" ? won[0].value : undefined);
        }),
      );

      it(
        "deleteKey removes the key, its materials and its aliases, and nothing of other keys",
        test(async ({ store: s }) => {
          await seed(s);
          const before = await snapshot(s);
          await s.deleteKey(K1);
          assert.equal(await s.getKey(K1), undefined);
          assert.deepEqual(await s.listKeyMaterials(K1), []);
          assert.equal(await s.getKeyMaterial(K1, mid(`${K1}/2`)), undefined);
          assert.equal(await s.getAlias(ACCOUNT_A, REGION_1, "alias/one"), undefined);
          assert.equal(await s.getAlias(ACCOUNT_A, REGION_1, "alias/uno"), undefined);
          assert.equal(await s.countKeys(), before.count - 1);
          const after = await snapshot(s);
          for (const id of [K2, K3, K4, K5]) {
            assert.deepEqual(after.keysById[id], before.keysById[id]);
            assert.deepEqual(after.materials[id], before.materials[id]);
          }
          assert.deepEqual(
            (await s.listAliases(ACCOUNT_A, REGION_1, undefined, undefined, 100)).items.map((a) => a.aliasName),
            ["alias/two"],
          );
          assert.equal((await s.getAlias(ACCOUNT_A, REGION_2, "alias/one"))?.targetKeyId, K3);
        }),
      );

      it(
        "deleteKey of an unknown key changes nothing",
        test(async ({ store: s }) => {
          await seed(s);
          const before = await snapshot(s);
          await s.deleteKey(NEW_KEY);
          assert.deepEqual(await snapshot(s), before);
        }),
      );
    });

    describe("listKeys", () => {
      it(
        "listKeys returns only keys of the given account and region, ordered by key id",
        test(async ({ store: s }) => {
          for (const n of [7, 3, 5, 1]) await s.createKey(makeKey(kid(n)), []);
          await s.createKey(makeKey(kid(2), { region: REGION_2 }), []);
          await s.createKey(makeKey(kid(4), { accountId: ACCOUNT_B }), []);
          await s.createKey(makeKey(kid(6), { accountId: ACCOUNT_B, region: REGION_2 }), []);
          const ids = async (a: string, r: string): Promise<string[]> =>
            (await s.listKeys(a, r, undefined, 100)).items.map((k) => k.keyId);
          assert.deepEqual(await ids(ACCOUNT_A, REGION_1), [kid(1), kid(3), kid(5), kid(7)]);
          assert.deepEqual(await ids(ACCOUNT_A, REGION_2), [kid(2)]);
          assert.deepEqual(await ids(ACCOUNT_B, REGION_1), [kid(4)]);
          assert.deepEqual(await ids(ACCOUNT_B, REGION_2), [kid(6)]);
          assert.deepEqual(await ids("999999999999", REGION_1), []);
          const full = await s.listKeys(ACCOUNT_A, REGION_1, undefined, 100);
          assert.deepEqual(full.items[0], { ...makeKey(kid(1)), revision: 1 });
        }),
      );

      it(
        "listKeys pages by limit, sets next only while more remain, and resumes after it",
        test(async ({ store: s }) => {
          for (let n = 1; n <= 5; n++) await s.createKey(makeKey(kid(n)), []);
          await s.createKey(makeKey(kid(6), { region: REGION_2 }), []);
          await s.createKey(makeKey(kid(0), { accountId: ACCOUNT_B }), []);
          const p1 = await s.listKeys(ACCOUNT_A, REGION_1, undefined, 2);
          assert.deepEqual(p1.items.map((k) => k.keyId), [kid(1), kid(2)]);
          assert.equal(typeof p1.next, "string");
          const p2 = await s.listKeys(ACCOUNT_A, REGION_1, p1.next, 2);
          assert.deepEqual(p2.items.map((k) => k.keyId), [kid(3), kid(4)]);
          assert.equal(typeof p2.next, "string");
          const p3 = await s.listKeys(ACCOUNT_A, REGION_1, p2.next, 2);
          assert.deepEqual(p3.items.map((k) => k.keyId), [kid(5)]);
          assert.equal(p3.next, undefined);
          assert.equal("next" in p3, false, "next is absent, not undefined");
          assert.deepEqual(await allKeyPages(s, ACCOUNT_A, REGION_1, 5), { ids: [1, 2, 3, 4, 5].map(kid), pages: 1 });
          assert.deepEqual(await allKeyPages(s, ACCOUNT_A, REGION_1, 1), { ids: [1, 2, 3, 4, 5].map(kid), pages: 5 });
          assert.deepEqual((await s.listKeys(ACCOUNT_A, REGION_1, kid(3), 100)).items.map((k) => k.keyId), [kid(4), kid(5)]);
          assert.deepEqual((await s.listKeys(ACCOUNT_A, REGION_1, kid(5), 100)).items, []);
        }),
      );

      it(
        "listKeys of an empty partition returns no items and no next",
        test(async ({ store: s }) => {
          await seed(s);
          const p = await s.listKeys(ACCOUNT_B, REGION_2, undefined, 10);
          assert.deepEqual(p, { items: [] });
        }),
      );
    });

    describe("dueKeys and countKeys", () => {
      it(
        "dueKeys returns a PendingDeletion key once its deletionDate is reached",
        test(async ({ store: s }) => {
          const at = T0 + 7 * DAY;
          await s.createKey(makeKey(K1, { keyState: "PendingDeletion", deletionDate: at, pendingWindowDays: 7 }), []);
          await s.createKey(makeKey(K2), []);
          assert.deepEqual(await s.dueKeys(at - 1, 10), []);
          assert.deepEqual((await s.dueKeys(at, 10)).map((k) => k.keyId), [K1]);
          assert.deepEqual((await s.dueKeys(at + DAY, 10)).map((k) => k.keyId), [K1]);
        }),
      );

      it(
        "dueKeys returns a key with rotation enabled once nextRotationAt is reached, and not while rotation is disabled",
        test(async ({ store: s }) => {
          const at = T0 + 365 * DAY;
          await s.createKey(makeKey(K1, { rotation: { enabled: true, periodDays: 365, nextRotationAt: at, onDemandCount: 0 } }), []);
          await s.createKey(makeKey(K2, { rotation: { enabled: false, periodDays: 365, nextRotationAt: at, onDemandCount: 0 } }), []);
          assert.deepEqual(await s.dueKeys(at - 1, 10), []);
          assert.deepEqual((await s.dueKeys(at, 10)).map((k) => k.keyId), [K1]);
          await s.updateKey({
            key: makeKey(K1, { rotation: { enabled: false, periodDays: 365, nextRotationAt: at, onDemandCount: 0 } }),
            expectedRevision: 1,
          });
          assert.deepEqual(await s.dueKeys(at, 10), []);
        }),
      );

      it(
        "dueKeys returns a key with KEY_MATERIAL_EXPIRES once validTo is reached, and not with KEY_MATERIAL_DOES_NOT_EXPIRE",
        test(async ({ store: s }) => {
          const at = T0 + 30 * DAY;
          await s.createKey(makeKey(K1, { origin: "EXTERNAL", expirationModel: "KEY_MATERIAL_EXPIRES", validTo: at }), []);
          await s.createKey(makeKey(K2, { origin: "EXTERNAL", expirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE", validTo: at }), []);
          assert.deepEqual(await s.dueKeys(at - 1, 10), []);
          const due = await s.dueKeys(at, 10);
          assert.deepEqual(due, [{ ...makeKey(K1, { origin: "EXTERNAL", expirationModel: "KEY_MATERIAL_EXPIRES", validTo: at }), revision: 1 }]);
        }),
      );

      it(
        "dueKeys returns a key when imported material pending rotation expires, although the key's own ValidTo is later or absent",
        test(async ({ store: s }) => {
          const at = T0 + 10 * DAY;
          const key = makeKey(K1, {
            origin: "EXTERNAL",
            expirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE",
            importedMaterials: [
              { materialId: mid(`${K1}/1`), state: "CURRENT", imported: true, expirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE" },
              { materialId: mid(`${K1}/2`), state: "PENDING_ROTATION", imported: true, expirationModel: "KEY_MATERIAL_EXPIRES", validTo: at },
            ],
          });
          await s.createKey(key, []);
          assert.deepEqual(await s.dueKeys(at - 1, 10), []);
          assert.deepEqual(await s.dueKeys(at, 10), [{ ...key, revision: 1 }]);
        }),
      );

      it(
        "dueKeys follows updates: a key whose deletion is cancelled is no longer due, a newly scheduled one is",
        test(async ({ store: s }) => {
          const at = T0 + 7 * DAY;
          await s.createKey(makeKey(K1, { keyState: "PendingDeletion", deletionDate: at, pendingWindowDays: 7 }), []);
          await s.createKey(makeKey(K2), []);
          await s.updateKey({ key: makeKey(K1, { keyState: "Disabled" }), expectedRevision: 1 });
          await s.updateKey({ key: makeKey(K2, { keyState: "PendingDeletion", deletionDate: at + 1, pendingWindowDays: 7 }), expectedRevision: 1 });
          assert.deepEqual((await s.dueKeys(at + DAY, 10)).map((k) => k.keyId), [K2]);
          await s.deleteKey(K2);
          assert.deepEqual(await s.dueKeys(at + DAY, 10), []);
        }),
      );

      it(
        "dueKeys returns at most limit keys, the earliest due first, across accounts and regions",
        test(async ({ store: s }) => {
          const rot = (at: number): KeyRecord["rotation"] => ({ enabled: true, periodDays: 365, nextRotationAt: at, onDemandCount: 0 });
          await s.createKey(makeKey(kid(1), { rotation: rot(T0 + 40) }), []);
          await s.createKey(makeKey(kid(2), { region: REGION_2, rotation: rot(T0 + 10) }), []);
          await s.createKey(makeKey(kid(3), { accountId: ACCOUNT_B, rotation: rot(T0 + 30) }), []);
          await s.createKey(makeKey(kid(4), { rotation: rot(T0 + 20) }), []);
          await s.createKey(makeKey(kid(5), { rotation: rot(T0 + 50) }), []);
          assert.deepEqual((await s.dueKeys(T0 + 45, 2)).map((k) => k.keyId), [kid(2), kid(4)]);
          assert.deepEqual(
            (await s.dueKeys(T0 + 45, 10)).map((k) => k.keyId),
            [kid(2), kid(4), kid(3), kid(1)],
          );
        }),
      );

      it(
        "countKeys counts the keys of every account and region",
        test(async ({ store: s }) => {
          assert.equal(await s.countKeys(), 0);
          await seed(s);
          assert.equal(await s.countKeys(), 5);
          await s.deleteKey(K4);
          assert.equal(await s.countKeys(), 4);
        }),
      );
    });

    describe("key materials", () => {
      it(
        "materials round-trip byte-exact, with and without a public key",
        test(async ({ store: s }) => {
          const empty = makeMaterial(K1, 3, { wrapped: { rootVersion: "root-v2", blob: Buffer.alloc(0) } });
          const mats = [makeMaterial(K1, 1), makeMaterial(K1, 2, { publicKey: blob("spki"), origin: "IMPORT" }), empty];
          await s.createKey(makeKey(K1), mats);
          const plain = await s.getKeyMaterial(K1, mid(`${K1}/1`));
          assert.deepEqual(plain, mats[0]);
          assert.ok(Buffer.isBuffer(plain?.wrapped.blob));
          assert.equal(plain !== undefined && "publicKey" in plain, false, "publicKey is absent, not undefined or null");
          const withPub = await s.getKeyMaterial(K1, mid(`${K1}/2`));
          assert.deepEqual(withPub, mats[1]);
          assert.ok(Buffer.isBuffer(withPub?.publicKey));
          assert.ok(withPub?.publicKey?.equals(blob("spki")));
          assert.ok(withPub?.wrapped.blob.equals(blob(`${K1}/2`)));
          assert.deepEqual(await s.getKeyMaterial(K1, mid(`${K1}/3`)), empty);
        }),
      );

      it(
        "getKeyMaterial of an unknown material or key returns undefined",
        test(async ({ store: s }) => {
          await seed(s);
          assert.equal(await s.getKeyMaterial(K1, mid("nope")), undefined);
          assert.equal(await s.getKeyMaterial(NEW_KEY, mid(`${K1}/1`)), undefined);
          assert.equal(await s.getKeyMaterial(K5, mid(`${K1}/1`)), undefined, "materials belong to one key");
        }),
      );

      it(
        "listKeyMaterials returns only that key's materials ordered by createdAt, and nothing for an unknown key",
        test(async ({ store: s }) => {
          const late = makeMaterial(K1, 1, { createdAt: T0 + 100 });
          const early = makeMaterial(K1, 2, { createdAt: T0 + 10 });
          const mid1 = makeMaterial(K1, 3, { createdAt: T0 + 50 });
          await s.createKey(makeKey(K1), [late, early, mid1]);
          await s.createKey(makeKey(K2), [makeMaterial(K2, 1)]);
          assert.deepEqual(await s.listKeyMaterials(K1), [early, mid1, late]);
          assert.deepEqual(await s.listKeyMaterials(K2), [makeMaterial(K2, 1)]);
          assert.deepEqual(await s.listKeyMaterials(NEW_KEY), []);
        }),
      );
    });

    describe("aliases", () => {
      it(
        "createAlias stores an alias that getAlias returns",
        test(async ({ store: s }) => {
          await s.createKey(makeKey(K1), []);
          const a = makeAlias("alias/app/prod-key_1", K1, { createdAt: T0 + 5, updatedAt: T0 + 6 });
          await s.createAlias(a);
          assert.deepEqual(await s.getAlias(ACCOUNT_A, REGION_1, "alias/app/prod-key_1"), a);
          assert.equal(await s.getAlias(ACCOUNT_A, REGION_1, "alias/other"), undefined);
        }),
      );

      it(
        "createAlias with a name taken in the same account and region raises DuplicateEntry and keeps the original",
        test(async ({ store: s }) => {
          await seed(s);
          const before = await snapshot(s);
          await assert.rejects(s.createAlias(makeAlias("alias/one", K5, { createdAt: T0 + 9 })), DuplicateEntry);
          assert.deepEqual(await snapshot(s), before);
          assert.equal((await s.getAlias(ACCOUNT_A, REGION_1, "alias/one"))?.targetKeyId, K1);
        }),
      );

      it(
        "the same alias name is allowed in another region and in another account, and each resolves separately",
        test(async ({ store: s }) => {
          await s.createAlias(makeAlias("alias/shared", K1));
          await s.createAlias(makeAlias("alias/shared", K2, { region: REGION_2 }));
          await s.createAlias(makeAlias("alias/shared", K3, { accountId: ACCOUNT_B }));
          assert.equal((await s.getAlias(ACCOUNT_A, REGION_1, "alias/shared"))?.targetKeyId, K1);
          assert.equal((await s.getAlias(ACCOUNT_A, REGION_2, "alias/shared"))?.targetKeyId, K2);
          assert.equal((await s.getAlias(ACCOUNT_B, REGION_1, "alias/shared"))?.targetKeyId, K3);
          assert.equal(await s.getAlias(ACCOUNT_B, REGION_2, "alias/shared"), undefined);
        }),
      );

      it(
        "updateAlias repoints an existing alias, records updatedAt and keeps createdAt",
        test(async ({ store: s }) => {
          await seed(s);
          const ok = await s.updateAlias(makeAlias("alias/one", K5, { createdAt: T0 + 999, updatedAt: T0 + DAY }));
          assert.equal(ok, true);
          assert.deepEqual(await s.getAlias(ACCOUNT_A, REGION_1, "alias/one"), makeAlias("alias/one", K5, { updatedAt: T0 + DAY }));
          assert.equal((await s.getAlias(ACCOUNT_A, REGION_2, "alias/one"))?.targetKeyId, K3, "other region untouched");
        }),
      );

      it(
        "updateAlias of an absent alias returns false and creates nothing",
        test(async ({ store: s }) => {
          await seed(s);
          const before = await snapshot(s);
          assert.equal(await s.updateAlias(makeAlias("alias/absent", K1)), false);
          assert.equal(await s.updateAlias(makeAlias("alias/two", K1, { region: REGION_2 })), false);
          assert.deepEqual(await snapshot(s), before);
        }),
      );

      it(
        "deleteAlias removes only that account and region's alias and returns true once, then false",
        test(async ({ store: s }) => {
          await seed(s);
          assert.equal(await s.deleteAlias(ACCOUNT_A, REGION_1, "alias/one"), true);
          assert.equal(await s.getAlias(ACCOUNT_A, REGION_1, "alias/one"), undefined);
          assert.equal(await s.deleteAlias(ACCOUNT_A, REGION_1, "alias/one"), false);
          assert.equal((await s.getAlias(ACCOUNT_A, REGION_2, "alias/one"))?.targetKeyId, K3);
          assert.ok(await s.getKey(K1), "deleting an alias leaves its key");
          assert.equal(await s.deleteAlias(ACCOUNT_B, REGION_1, "alias/two"), false);
        }),
      );

      it(
        "listAliases pages by name within one account and region, next only while more remain",
        test(async ({ store: s }) => {
          const names = ["alias/e", "alias/a", "alias/d", "alias/b", "alias/c"];
          for (const n of names) await s.createAlias(makeAlias(n, K1));
          await s.createAlias(makeAlias("alias/aa", K1, { region: REGION_2 }));
          await s.createAlias(makeAlias("alias/ab", K1, { accountId: ACCOUNT_B }));
          const got: string[] = [];
          let after: string | undefined;
          let pages = 0;
          for (;;) {
            const p = await s.listAliases(ACCOUNT_A, REGION_1, undefined, after, 2);
            pages++;
            got.push(...p.items.map((a) => a.aliasName));
            if (p.next === undefined) {
              assert.equal("next" in p, false);
              break;
            }
            assert.equal(p.items.length, 2);
            after = p.next;
          }
          assert.deepEqual(got, ["alias/a", "alias/b", "alias/c", "alias/d", "alias/e"]);
          assert.equal(pages, 3);
          const exact = await s.listAliases(ACCOUNT_A, REGION_1, undefined, undefined, 5);
          assert.equal(exact.items.length, 5);
          assert.equal(exact.next, undefined);
          assert.deepEqual(await s.listAliases(ACCOUNT_B, REGION_2, undefined, undefined, 5), { items: [] });
          assert.deepEqual((await s.listAliases(ACCOUNT_A, REGION_2, undefined, undefined, 5)).items.map((a) => a.aliasName), ["alias/aa"]);
        }),
      );

      it(
        "listAliases with a key id returns only that key's aliases, paged",
        test(async ({ store: s }) => {
          for (const [n, k] of [
            ["alias/a", K1],
            ["alias/b", K2],
            ["alias/c", K1],
            ["alias/d", K1],
            ["alias/e", K2],
          ] as const) {
            await s.createAlias(makeAlias(n, k));
          }
          await s.createAlias(makeAlias("alias/f", K1, { region: REGION_2 }));
          const p1 = await s.listAliases(ACCOUNT_A, REGION_1, K1, undefined, 2);
          assert.deepEqual(p1.items.map((a) => a.aliasName), ["alias/a", "alias/c"]);
          assert.ok(p1.next !== undefined);
          const p2 = await s.listAliases(ACCOUNT_A, REGION_1, K1, p1.next, 2);
          assert.deepEqual(p2.items.map((a) => a.aliasName), ["alias/d"]);
          assert.equal(p2.next, undefined);
          assert.deepEqual((await s.listAliases(ACCOUNT_A, REGION_1, K2, undefined, 10)).items.map((a) => a.aliasName), ["alias/b", "alias/e"]);
          assert.deepEqual(await s.listAliases(ACCOUNT_A, REGION_1, K3, undefined, 10), { items: [] });
        }),
      );
    });

    describe("identities", () => {
      it(
        "putAccount creates or replaces an account; listAccounts is ordered by account id",
        test(async ({ store: s }) => {
          assert.deepEqual(await s.listAccounts(), []);
          await s.putAccount({ accountId: ACCOUNT_B, createdAt: T0 });
          await s.putAccount({ accountId: ACCOUNT_A, createdAt: T0 });
          await s.putAccount({ accountId: ACCOUNT_A, createdAt: T0 + 1 });
          assert.deepEqual(await s.getAccount(ACCOUNT_A), { accountId: ACCOUNT_A, createdAt: T0 + 1 });
          assert.equal(await s.getAccount("999999999999"), undefined);
          assert.deepEqual(await s.listAccounts(), [
            { accountId: ACCOUNT_A, createdAt: T0 + 1 },
            { accountId: ACCOUNT_B, createdAt: T0 },
          ]);
        }),
      );

      it(
        "putPrincipal round-trips the principal with its policies; listPrincipals returns one account's, ordered by arn",
        test(async ({ store: s }) => {
          await seed(s);
          assert.deepEqual(await s.getPrincipal(ALICE), makePrincipal(ALICE));
          assert.equal(await s.getPrincipal(NEW_PRINCIPAL), undefined);
          assert.deepEqual(await s.listPrincipals(ACCOUNT_A), [makePrincipal(ROOT_A), makePrincipal(ALICE)]);
          assert.deepEqual(await s.listPrincipals(ACCOUNT_B), [makePrincipal(ROLE_B)]);
          assert.deepEqual(await s.listPrincipals("999999999999"), []);
        }),
      );

      it(
        "putPrincipal with an existing arn replaces the principal",
        test(async ({ store: s }) => {
          await seed(s);
          const changed = makePrincipal(ALICE, { policies: {} });
          await s.putPrincipal(changed);
          assert.deepEqual(await s.getPrincipal(ALICE), changed);
          assert.equal((await s.listPrincipals(ACCOUNT_A)).length, 2);
        }),
      );

      it(
        "deletePrincipal removes the principal and its access keys, and nothing else",
        test(async ({ store: s }) => {
          await seed(s);
          const before = await snapshot(s);
          assert.equal(await s.deletePrincipal(ALICE), true);
          assert.equal(await s.getPrincipal(ALICE), undefined);
          assert.deepEqual(await s.listAccessKeys(ALICE), []);
          assert.equal(await s.getAccessKey("AKIAALICE0000000001"), undefined);
          assert.equal(await s.getAccessKey("AKIAALICE0000000002"), undefined);
          assert.deepEqual(await s.getAccessKey("AKIAROOTA0000000001"), before.accessKeysById["AKIAROOTA0000000001"]);
          assert.deepEqual(await s.listPrincipals(ACCOUNT_A), [makePrincipal(ROOT_A)]);
          assert.equal(await s.deletePrincipal(ALICE), false);
          const after = await snapshot(s);
          assert.deepEqual(after.keys, before.keys);
          assert.deepEqual(after.aliases, before.aliases);
          assert.deepEqual(after.accounts, before.accounts);
        }),
      );

      it(
        "access keys round-trip with a byte-exact wrapped secret; putAccessKey replaces an existing one",
        test(async ({ store: s }) => {
          await seed(s);
          const got = await s.getAccessKey("AKIAALICE0000000001");
          assert.deepEqual(got, makeAccessKey("AKIAALICE0000000001", ALICE));
          assert.ok(Buffer.isBuffer(got?.secret.blob));
          assert.ok(got?.secret.blob.equals(blob("AKIAALICE0000000001")));
          const replaced = makeAccessKey("AKIAALICE0000000001", ALICE, {
            status: "Inactive",
            createdAt: T0 + 5,
            secret: { rootVersion: "root-v2", blob: blob("rewrapped") },
          });
          await s.putAccessKey(replaced);
          assert.deepEqual(await s.getAccessKey("AKIAALICE0000000001"), replaced);
          assert.equal(await s.getAccessKey("AKIANOPE"), undefined);
        }),
      );

      it(
        "listAccessKeys returns only that principal's access keys, ordered by id",
        test(async ({ store: s }) => {
          await s.putAccessKey(makeAccessKey("AKIAZ", ALICE));
          await s.putAccessKey(makeAccessKey("AKIAB", ROOT_A));
          await s.putAccessKey(makeAccessKey("AKIAM", ALICE));
          assert.deepEqual(
            (await s.listAccessKeys(ALICE)).map((k) => k.accessKeyId),
            ["AKIAM", "AKIAZ"],
          );
          assert.deepEqual(await s.listAccessKeys(ROOT_A), [makeAccessKey("AKIAB", ROOT_A)]);
          assert.deepEqual(await s.listAccessKeys(ROLE_B), []);
        }),
      );

      it(
        "deleteAccessKey removes one access key and returns true once, then false",
        test(async ({ store: s }) => {
          await seed(s);
          assert.equal(await s.deleteAccessKey("AKIAALICE0000000001"), true);
          assert.equal(await s.getAccessKey("AKIAALICE0000000001"), undefined);
          assert.equal(await s.deleteAccessKey("AKIAALICE0000000001"), false);
          assert.deepEqual((await s.listAccessKeys(ALICE)).map((k) => k.accessKeyId), ["AKIAALICE0000000002"]);
          assert.ok(await s.getPrincipal(ALICE), "the principal stays");
        }),
      );
    });

    describe("grants", () => {
      it(
        "createGrant stores a grant that getGrant returns, optional fields present or absent exactly as written",
        test(async ({ store: s }) => {
          const full = makeGrant("full", K1, {
            name: "naïve \"quoted\" ☕",
            retiringPrincipal: ROLE_B,
            operations: ["Decrypt", "GenerateDataKey", "RetireGrant"],
            constraints: {
              EncryptionContextSubset: { Department: "IT", "ünïcødé": "値", empty: "" },
              EncryptionContextEquals: { a: "b" },
            },
            createdAt: T0 + 0.5,
          });
          const bare = makeGrant("bare", K1, { operations: [] });
          await s.createGrant(full);
          await s.createGrant(bare);
          assert.deepEqual(await s.getGrant(K1, full.grantId), full);
          const got = await s.getGrant(K1, bare.grantId);
          assert.deepEqual(got, bare);
          for (const opt of ["name", "retiringPrincipal", "constraints"]) {
            assert.equal(got !== undefined && opt in got, false, `${opt} is absent, not undefined`);
          }
          assert.equal(await s.getGrant(K2, full.grantId), undefined, "a grant is found only under its own key");
          assert.equal(await s.getGrant(K1, gid("nope")), undefined);
        }),
      );

      it(
        "createGrant with an existing grant id raises DuplicateEntry and changes nothing, on the same key or another",
        test(async ({ store: s }) => {
          await seed(s);
          const before = await snapshot(s);
          await assert.rejects(s.createGrant(makeGrant("a", K1, { granteePrincipal: ROLE_B })), DuplicateEntry);
          await assert.rejects(s.createGrant(makeGrant("a", K5, { retiringPrincipal: ALICE })), DuplicateEntry);
          assert.deepEqual(await snapshot(s), before);
        }),
      );

      it(
        "listGrants pages one key's grants by grant id, next only while more remain",
        test(async ({ store: s }) => {
          const labels = ["g5", "g1", "g4", "g2", "g3"];
          for (const l of labels) await s.createGrant(makeGrant(l, K1));
          await s.createGrant(makeGrant("other1", K2));
          await s.createGrant(makeGrant("other2", K2));
          const expected = labels.map(gid).sort();
          const got: string[] = [];
          let after: string | undefined;
          let pages = 0;
          for (;;) {
            const p = await s.listGrants(K1, after, 2);
            assert.ok(++pages <= 4, "paging terminates");
            assert.ok(p.items.every((g) => g.keyId === K1));
            got.push(...p.items.map((g) => g.grantId));
            if (p.next === undefined) {
              assert.equal("next" in p, false, "next is absent, not undefined");
              break;
            }
            assert.equal(p.items.length, 2, "a page with a next position is full");
            after = p.next;
          }
          assert.deepEqual(got, expected);
          assert.equal(pages, 3);
          const exact = await s.listGrants(K1, undefined, 5);
          assert.deepEqual(exact.items.map((g) => g.grantId), expected);
          assert.equal("next" in exact, false);
          assert.deepEqual((await s.listGrants(K1, expected[2], 100)).items.map((g) => g.grantId), expected.slice(3));
          assert.deepEqual(await s.listGrants(K1, expected[4], 100), { items: [] });
          assert.deepEqual((await s.listGrants(K2, undefined, 100)).items.map((g) => g.grantId), [gid("other1"), gid("other2")].sort());
          assert.deepEqual(await s.listGrants(K3, undefined, 100), { items: [] });
          const firstLabel = labels.find((l) => gid(l) === expected[0]) ?? "";
          assert.deepEqual((await s.listGrants(K1, undefined, 1)).items, [makeGrant(firstLabel, K1)], "whole records are returned");
        }),
      );

      it(
        "listGrantsForGrantee returns every grant of that key for exactly that grantee, ordered by grant id, unpaged",
        test(async ({ store: s }) => {
          const labels = Array.from({ length: 60 }, (_, i) => `alice-${i}`);
          for (const l of labels) await s.createGrant(makeGrant(l, K1));
          const mine = labels.map(gid).sort();
          await s.createGrant(makeGrant("bob", K1, { granteePrincipal: ROLE_B }));
          await s.createGrant(makeGrant("alice-on-k2", K2));
          await s.createGrant(makeGrant("prefix", K1, { granteePrincipal: `${ALICE}2` }));
          await s.createGrant(makeGrant("case", K1, { granteePrincipal: ALICE.toUpperCase() }));
          await s.createGrant(makeGrant("root", K1, { granteePrincipal: ROOT_A }));
          const got = await s.listGrantsForGrantee(K1, ALICE);
          assert.deepEqual(got.map((g) => g.grantId), mine);
          assert.deepEqual(got[0], makeGrant(labels.find((l) => gid(l) === mine[0]) ?? "", K1), "whole records are returned");
          assert.deepEqual((await s.listGrantsForGrantee(K1, ROLE_B)).map((g) => g.grantId), [gid("bob")]);
          assert.deepEqual((await s.listGrantsForGrantee(K1, ROOT_A)).map((g) => g.grantId), [gid("root")]);
          assert.deepEqual((await s.listGrantsForGrantee(K2, ALICE)).map((g) => g.grantId), [gid("alice-on-k2")]);
          assert.deepEqual(await s.listGrantsForGrantee(K2, ROLE_B), []);
          assert.deepEqual(await s.listGrantsForGrantee(K3, ALICE), []);
        }),
      );

      it(
        "listRetirableGrants pages one retiring principal's grants across keys, ordered by key id then grant id",
        test(async ({ store: s }) => {
          // Grant ids chosen so that grant-id order and (key, grant) order disagree.
          const specs: readonly (readonly [string, string])[] = [
            ["r1", K3],
            ["r2", K1],
            ["r3", K2],
            ["r4", K1],
            ["r5", K3],
            ["r6", K1],
            ["r7", K5],
          ];
          for (const [l, k] of specs) await s.createGrant(makeGrant(l, k, { retiringPrincipal: ROLE_B }));
          await s.createGrant(makeGrant("not-retirable", K1));
          await s.createGrant(makeGrant("by-alice", K1, { retiringPrincipal: ALICE }));
          await s.createGrant(makeGrant("by-prefix", K2, { retiringPrincipal: `${ROLE_B}x` }));
          const expected = specs
            .map(([l, k]) => [k, gid(l)] as const)
            .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : 1))
            .map(([, g]) => g);
          assert.notDeepEqual(expected, [...expected].sort(), "the fixture really orders by key first");
          for (const limit of [1, 2, 3, 7, 100]) {
            const got: string[] = [];
            let after: string | undefined;
            let pages = 0;
            for (;;) {
              const p = await s.listRetirableGrants(ROLE_B, after, limit);
              assert.ok(++pages <= expected.length + 1, "paging terminates");
              assert.ok(p.items.length <= limit);
              got.push(...p.items.map((g) => g.grantId));
              if (p.next === undefined) {
                assert.equal("next" in p, false, "next is absent, not undefined");
                break;
              }
              assert.equal(p.items.length, limit, "a page with a next position is full");
              assert.equal(typeof p.next, "string");
              after = p.next;
            }
            assert.deepEqual(got, expected, `limit ${limit}`);
            assert.equal(pages, Math.max(1, Math.ceil(expected.length / limit)), `limit ${limit}`);
          }
          const first = await s.listRetirableGrants(ROLE_B, undefined, 1);
          const [firstLabel, firstKey] = specs.find(([l]) => gid(l) === expected[0]) ?? ["", ""];
          assert.deepEqual(first.items, [makeGrant(firstLabel, firstKey, { retiringPrincipal: ROLE_B })], "whole records are returned");
          assert.deepEqual((await s.listRetirableGrants(ALICE, undefined, 10)).items.map((g) => g.grantId), [gid("by-alice")]);
          assert.deepEqual(await s.listRetirableGrants(ROOT_A, undefined, 10), { items: [] });
        }),
      );

      it(
        "a listRetirableGrants position stays valid when grants are deleted or added between pages",
        test(async ({ store: s }) => {
          for (const [l, k] of [
            ["p1", K1],
            ["p2", K1],
            ["p3", K2],
            ["p4", K3],
          ] as const) {
            await s.createGrant(makeGrant(l, k, { retiringPrincipal: ROLE_B }));
          }
          const all = (await s.listRetirableGrants(ROLE_B, undefined, 100)).items;
          assert.equal(all.length, 4);
          const p1 = await s.listRetirableGrants(ROLE_B, undefined, 2);
          assert.deepEqual(p1.items, all.slice(0, 2));
          assert.ok(p1.next !== undefined);
          const last = all[1];
          assert.ok(last);
          assert.equal(await s.deleteGrant(last.keyId, last.grantId), true);
          const p2 = await s.listRetirableGrants(ROLE_B, p1.next, 2);
          assert.deepEqual(p2.items, all.slice(2, 4), "resumes after the deleted grant's position");
          assert.equal(p2.next, undefined);
          await s.createGrant(makeGrant("p5", K5, { retiringPrincipal: ROLE_B }));
          const p3 = await s.listRetirableGrants(ROLE_B, p1.next, 10);
          assert.deepEqual(p3.items.map((g) => g.grantId), [...all.slice(2, 4).map((g) => g.grantId), gid("p5")]);
        }),
      );

      it(
        "deleteGrant removes one grant of one key and returns true once, then false",
        test(async ({ store: s }) => {
          await seed(s);
          const before = await snapshot(s);
          assert.equal(await s.deleteGrant(K5, GA), false, "the key id must match");
          assert.equal(await s.deleteGrant(K1, gid("nope")), false);
          assert.deepEqual(await snapshot(s), before);
          assert.equal(await s.deleteGrant(K1, GA), true);
          assert.equal(await s.getGrant(K1, GA), undefined);
          assert.equal(await s.deleteGrant(K1, GA), false);
          assert.deepEqual((await s.listGrants(K1, undefined, 100)).items.map((g) => g.grantId), [GB, GC].sort());
          assert.deepEqual((await s.listRetirableGrants(ROLE_B, undefined, 100)).items, [seedGrant(GD)]);
          assert.deepEqual(await s.listGrantsForGrantee(K1, ALICE), [seedGrant(GC)]);
          assert.deepEqual(await s.getGrant(K3, GD), seedGrant(GD));
          await s.createGrant(makeGrant("a", K5));
          assert.deepEqual(await s.getGrant(K5, GA), makeGrant("a", K5), "a deleted grant's id can be used again");
        }),
      );

      it(
        "countGrants counts the grants of one key",
        test(async ({ store: s }) => {
          assert.equal(await s.countGrants(K1), 0);
          await seed(s);
          assert.equal(await s.countGrants(K1), 3);
          assert.equal(await s.countGrants(K3), 1);
          assert.equal(await s.countGrants(K5), 0);
          assert.equal(await s.countGrants(NEW_KEY), 0);
          await s.deleteGrant(K1, GB);
          assert.equal(await s.countGrants(K1), 2);
        }),
      );

      it(
        "deleteKey removes the key's grants and no other key's, and their ids can be used again",
        test(async ({ store: s }) => {
          await seed(s);
          const before = await snapshot(s);
          await s.deleteKey(K1);
          assert.deepEqual(await s.listGrants(K1, undefined, 100), { items: [] });
          assert.equal(await s.countGrants(K1), 0);
          for (const g of [GA, GB, GC]) assert.equal(await s.getGrant(K1, g), undefined);
          assert.deepEqual(await s.listGrantsForGrantee(K1, ALICE), []);
          assert.deepEqual((await s.listRetirableGrants(ROLE_B, undefined, 100)).items, [seedGrant(GD)]);
          const after = await snapshot(s);
          for (const k of [K2, K3, K4, K5]) assert.deepEqual(after.grants[k], before.grants[k]);
          assert.deepEqual(after.retirable[ALICE], before.retirable[ALICE]);
          await s.createGrant(makeGrant("a", K5));
          assert.deepEqual(await s.getGrant(K5, GA), makeGrant("a", K5));
        }),
      );
    });

    describe("root re-wrap", () => {
      /** What a ref to a stored material or access key looks like, for comparisons. */
      const mref = (keyId: string, n: number, wrapped: WrappedKey): WrappedRef => ({
        kind: "material",
        keyId,
        materialId: mid(`${keyId}/${n}`),
        wrapped,
      });
      const aref = (accessKeyId: string, wrapped: WrappedKey): WrappedRef => ({ kind: "access-key", accessKeyId, wrapped });
      const w = (rootVersion: string, label: string): WrappedKey => ({ rootVersion, blob: blob(label) });

      it(
        "listWrappedNotUnder lists materials, then access keys, not under the version, each ordered by (root version, id)",
        test(async ({ store: s }) => {
          await s.createKey(makeKey(K2), [
            makeMaterial(K2, 1, { wrapped: w("root-v3", "k2/1") }),
            makeMaterial(K2, 2, { wrapped: w("root-v1", "k2/2") }),
            makeMaterial(K2, 3, { wrapped: w("root-v2", "k2/3") }),
          ]);
          await s.createKey(makeKey(K1), [
            makeMaterial(K1, 1, { wrapped: w("root-v1", "k1/1") }),
            makeMaterial(K1, 2, { wrapped: w("root-v0", "k1/2"), publicKey: blob("spki") }),
          ]);
          await s.createKey(makeKey(K3), []);
          await s.putAccessKey(makeAccessKey("AKIAC", ALICE, { secret: w("root-v3", "akc") }));
          await s.putAccessKey(makeAccessKey("AKIAA", ALICE, { secret: w("root-v2", "aka") }));
          await s.putAccessKey(makeAccessKey("AKIAB", ROOT_A, { secret: w("root-v1", "akb") }));
          await s.putAccessKey(makeAccessKey("AKIAD", ROOT_A, { secret: w("root-v1", "akd") }));
          const byId = (refs: readonly WrappedRef[]): (readonly [string, WrappedRef])[] =>
            refs.map((r) => [r.kind === "material" ? `${r.keyId}/${r.materialId}` : r.kind === "access-key" ? r.accessKeyId : r.customKeyStoreId, r] as const);
          const materialsNotV2 = [
            mref(K1, 2, w("root-v0", "k1/2")),
            mref(K1, 1, w("root-v1", "k1/1")),
            mref(K2, 2, w("root-v1", "k2/2")),
            mref(K2, 1, w("root-v3", "k2/1")),
          ];
          // Within one root version, materials are ordered by key id then material id.
          materialsNotV2.sort((a, b) => {
            const ka = byId([a])[0]?.[0] ?? "";
            const kb = byId([b])[0]?.[0] ?? "";
            return a.wrapped.rootVersion < b.wrapped.rootVersion ? -1 : a.wrapped.rootVersion > b.wrapped.rootVersion ? 1 : ka < kb ? -1 : 1;
          });
          const accessKeysNotV2 = [aref("AKIAB", w("root-v1", "akb")), aref("AKIAD", w("root-v1", "akd")), aref("AKIAC", w("root-v3", "akc"))];
          const all = await s.listWrappedNotUnder("root-v2", 100);
          assert.deepEqual(all, [...materialsNotV2, ...accessKeysNotV2]);
          for (const r of all) assert.ok(Buffer.isBuffer(r.wrapped.blob));
          assert.deepEqual(await s.listWrappedNotUnder("root-v2", 3), materialsNotV2.slice(0, 3));
          assert.deepEqual(await s.listWrappedNotUnder("root-v2", 5), [...materialsNotV2, ...accessKeysNotV2.slice(0, 1)]);
          assert.deepEqual(await s.listWrappedNotUnder("root-v2", 0), []);
          assert.deepEqual(
            (await s.listWrappedNotUnder("root-v1", 100)).map((r) => r.wrapped.rootVersion),
            ["root-v0", "root-v2", "root-v3", "root-v2", "root-v3"],
          );
          assert.equal((await s.listWrappedNotUnder("root-v9", 100)).length, 9, "every secret when none is under the version");
          assert.deepEqual(await s.listWrappedNotUnder("root-v9", 100).then((r) => r.slice(0, 1)), [mref(K1, 2, w("root-v0", "k1/2"))]);
          for (const v of ["", "root-v0", "root-v1", "root-v2", "root-v3", "root-v9"]) {
            const full = await s.listWrappedNotUnder(v, 100);
            assert.ok(full.every((r) => r.wrapped.rootVersion !== v));
            for (let n = 0; n <= full.length + 1; n++) {
              assert.deepEqual(await s.listWrappedNotUnder(v, n), full.slice(0, n), `not under ${v}, limit ${n}: a prefix of the whole list`);
            }
          }
        }),
      );

      it(
        "countWrappedUnder counts the materials and access keys under one version",
        test(async ({ store: s }) => {
          assert.equal(await s.countWrappedUnder("root-v1"), 0);
          await seed(s);
          assert.equal(await s.countWrappedUnder("root-v1"), 9, "6 materials and 3 access keys");
          assert.equal(await s.countWrappedUnder("root-v2"), 1);
          assert.equal(await s.countWrappedUnder("root-v0"), 1);
          assert.equal(await s.countWrappedUnder("root-v"), 0);
          assert.equal(await s.countWrappedUnder(""), 0);
          await s.deleteKey(K1);
          assert.equal(await s.countWrappedUnder("root-v1"), 7);
          await s.deleteAccessKey("AKIAROLEB0000000001");
          assert.equal(await s.countWrappedUnder("root-v0"), 0);
        }),
      );

      it(
        "re-wrapping each batch and asking again visits every wrapped secret once, then finds none; keys and access keys are otherwise unchanged",
        test(async ({ store: s }) => {
          await seed(s);
          const total = (await s.listWrappedNotUnder("root-v9", 1000)).length;
          assert.equal(total, 11);
          const keysBefore = (await snapshot(s)).keysById;
          const seen = new Set<string>();
          let batches = 0;
          for (;;) {
            const batch = await s.listWrappedNotUnder("root-v9", 3);
            if (batch.length === 0) break;
            assert.ok(++batches <= 4, "the walk terminates");
            for (const r of batch) {
              const id = r.kind === "material" ? `${r.keyId}/${r.materialId}` : r.kind === "access-key" ? r.accessKeyId : r.customKeyStoreId;
              assert.equal(seen.has(id), false, `${id} listed again after it was re-wrapped`);
              seen.add(id);
              const next: WrappedKey = { rootVersion: "root-v9", blob: Buffer.concat([Buffer.from("v9:"), r.wrapped.blob]) };
              assert.equal(await s.replaceWrapped(r, next), true);
            }
          }
          assert.equal(seen.size, total);
          assert.equal(await s.countWrappedUnder("root-v9"), total);
          for (const v of ["root-v0", "root-v1", "root-v2"]) assert.equal(await s.countWrappedUnder(v), 0);
          assert.deepEqual(await s.getKeyMaterial(K1, mid(`${K1}/2`)), {
            ...makeMaterial(K1, 2, { publicKey: blob("spki") }),
            wrapped: { rootVersion: "root-v9", blob: Buffer.concat([Buffer.from("v9:"), blob(`${K1}/2`)]) },
          });
          assert.deepEqual(
            await s.getAccessKey("AKIAALICE0000000002"),
            makeAccessKey("AKIAALICE0000000002", ALICE, {
              status: "Inactive",
              secret: { rootVersion: "root-v9", blob: Buffer.concat([Buffer.from("v9:"), blob("AKIAALICE0000000002")]) },
            }),
          );
          assert.deepEqual((await snapshot(s)).keysById, keysBefore, "re-wrapping does not touch key records or revisions");
        }),
      );

      it(
        "replaceWrapped is a compare-and-swap on root version and blob: it returns false and changes nothing when either differs",
        test(async ({ store: s }) => {
          await seed(s);
          const before = await snapshot(s);
          const m = materialRef(K1, 1);
          const a = accessKeyRef("AKIAALICE0000000001");
          const lastByteFlipped = (x: WrappedKey): WrappedKey => {
            const b = Buffer.from(x.blob);
            b[b.length - 1] = (b[b.length - 1] ?? 0) ^ 1;
            return { rootVersion: x.rootVersion, blob: b };
          };
          for (const stale of [
            { ...m, wrapped: { rootVersion: "root-v0", blob: m.wrapped.blob } },
            { ...m, wrapped: lastByteFlipped(m.wrapped) },
            { ...m, wrapped: { rootVersion: "root-v1", blob: m.wrapped.blob.subarray(0, 10) } },
            { ...m, wrapped: { rootVersion: "root-v1", blob: Buffer.alloc(0) } },
            { ...m, keyId: K5 },
            { ...m, materialId: mid("no such material") },
            { ...a, wrapped: { rootVersion: "root-v2", blob: a.wrapped.blob } },
            { ...a, wrapped: lastByteFlipped(a.wrapped) },
            { ...a, accessKeyId: "AKIANOPE" },
          ] satisfies WrappedRef[]) {
            assert.equal(await s.replaceWrapped(stale, REWRAPPED), false, JSON.stringify(stale).slice(0, 120));
          }
          assert.deepEqual(await snapshot(s), before);
          assert.equal(await s.replaceWrapped(m, REWRAPPED), true);
          assert.equal(await s.replaceWrapped(m, { rootVersion: "root-v8", blob: blob("again") }), false, "the old ref no longer matches");
          assert.deepEqual((await s.getKeyMaterial(K1, m.materialId))?.wrapped, REWRAPPED);
          assert.equal(await s.replaceWrapped({ ...m, wrapped: REWRAPPED }, m.wrapped), true, "the new value is what matches now");
          assert.deepEqual(await snapshot(s), before);
        }),
      );

      it(
        "replaceWrapped of a secret that was replaced, removed or deleted meanwhile returns false and creates nothing",
        test(async ({ store: s }) => {
          await seed(s);
          const gone1 = materialRef(K1, 1);
          await s.updateKey({ key: makeKey(K1), expectedRevision: 1, removeMaterialIds: [gone1.materialId] });
          assert.equal(await s.replaceWrapped(gone1, REWRAPPED), false);
          assert.equal(await s.getKeyMaterial(K1, gone1.materialId), undefined);
          const gone2 = materialRef(K5, 1);
          await s.deleteKey(K5);
          assert.equal(await s.replaceWrapped(gone2, REWRAPPED), false);
          assert.deepEqual(await s.listKeyMaterials(K5), []);
          const replacedAk = accessKeyRef("AKIAALICE0000000001");
          const fresh = makeAccessKey("AKIAALICE0000000001", ALICE, { secret: { rootVersion: "root-v1", blob: blob("a new secret") } });
          await s.putAccessKey(fresh);
          assert.equal(await s.replaceWrapped(replacedAk, REWRAPPED), false);
          assert.deepEqual(await s.getAccessKey("AKIAALICE0000000001"), fresh);
          const deletedAk = accessKeyRef("AKIAROOTA0000000001");
          await s.deleteAccessKey("AKIAROOTA0000000001");
          assert.equal(await s.replaceWrapped(deletedAk, REWRAPPED), false);
          assert.equal(await s.getAccessKey("AKIAROOTA0000000001"), undefined);
          assert.equal(await s.countWrappedUnder("root-v9"), 0);
        }),
      );

      it(
        "of two concurrent replaceWrapped from the same ref exactly one wins",
        test(async ({ store: s }) => {
          await seed(s);
          for (const ref of [materialRef(K1, 2), accessKeyRef("AKIAALICE0000000001")]) {
            const left: WrappedKey = { rootVersion: "root-v9", blob: blob("left") };
            const right: WrappedKey = { rootVersion: "root-v9", blob: blob("right") };
            const results = await Promise.all([s.replaceWrapped(ref, left), s.replaceWrapped(ref, right)]);
            assert.equal(results.filter((r) => r).length, 1);
            const stored =
              ref.kind === "material" ? (await s.getKeyMaterial(ref.keyId, ref.materialId))?.wrapped : (await s.getAccessKey(ref.accessKeyId))?.secret;
            assert.deepEqual(stored, results[0] === true ? left : right);
          }
        }),
      );

      it(
        "replaceWrapped matches an empty blob exactly",
        test(async ({ store: s }) => {
          const empty: WrappedKey = { rootVersion: "root-v1", blob: Buffer.alloc(0) };
          await s.createKey(makeKey(K1), [makeMaterial(K1, 1, { wrapped: empty })]);
          const ref: WrappedRef = { kind: "material", keyId: K1, materialId: mid(`${K1}/1`), wrapped: empty };
          assert.equal(await s.replaceWrapped({ ...ref, wrapped: { rootVersion: "root-v1", blob: Buffer.from([0]) } }, REWRAPPED), false);
          assert.deepEqual(await s.listWrappedNotUnder("root-v9", 10), [ref]);
          assert.equal(await s.replaceWrapped(ref, REWRAPPED), true);
          assert.deepEqual((await s.getKeyMaterial(K1, ref.materialId))?.wrapped, REWRAPPED);
        }),
      );
    });

    describe("accounts", () => {
      it(
        "deleteAccount removes the account, its principals and their access keys, and no keys, aliases, grants or other accounts",
        test(async ({ store: s }) => {
          await seed(s);
          const ghost = `arn:aws:iam::${ACCOUNT_A}:user/ghost`;
          await s.putAccessKey(makeAccessKey("AKIAGHOST", ghost));
          const before = await snapshot(s);
          assert.equal(await s.deleteAccount(ACCOUNT_A), true);
          assert.equal(await s.getAccount(ACCOUNT_A), undefined);
          assert.deepEqual(await s.listAccounts(), [{ accountId: ACCOUNT_B, createdAt: T0 + 1 }]);
          assert.deepEqual(await s.listPrincipals(ACCOUNT_A), []);
          for (const arn of [ROOT_A, ALICE]) {
            assert.equal(await s.getPrincipal(arn), undefined);
            assert.deepEqual(await s.listAccessKeys(arn), []);
          }
          for (const id of ["AKIAALICE0000000001", "AKIAALICE0000000002", "AKIAROOTA0000000001"]) {
            assert.equal(await s.getAccessKey(id), undefined);
          }
          assert.equal(await s.getAccessKey("AKIAGHOST"), undefined, "an access key recorded under the account goes too");
          const after = await snapshot(s);
          assert.deepEqual(after.principals[ACCOUNT_B], before.principals[ACCOUNT_B]);
          assert.deepEqual(after.accessKeys[ROLE_B], before.accessKeys[ROLE_B]);
          assert.deepEqual(after.keys, before.keys);
          assert.deepEqual(after.keysById, before.keysById);
          assert.deepEqual(after.materials, before.materials);
          assert.deepEqual(after.aliases, before.aliases);
          assert.deepEqual(after.grants, before.grants);
          assert.deepEqual(after.retirable, before.retirable);
          assert.deepEqual(after.accountHasKeys, before.accountHasKeys);
          assert.equal(await s.deleteAccount(ACCOUNT_A), false);
          await s.putAccount({ accountId: ACCOUNT_A, createdAt: T0 + 9 });
          assert.deepEqual(await s.listPrincipals(ACCOUNT_A), [], "a re-created account starts empty");
        }),
      );

      it(
        "deleteAccount of an unknown account returns false and changes nothing",
        test(async ({ store: s }) => {
          await seed(s);
          const before = await snapshot(s);
          assert.equal(await s.deleteAccount(ACCOUNT_C), false);
          assert.deepEqual(await snapshot(s), before);
        }),
      );

      it(
        "accountHasKeys is true while the account has a key in any region and any state",
        test(async ({ store: s }) => {
          assert.equal(await s.accountHasKeys(ACCOUNT_A), false);
          await s.putAccount({ accountId: ACCOUNT_B, createdAt: T0 });
          assert.equal(await s.accountHasKeys(ACCOUNT_B), false);
          await s.createKey(
            makeKey(K1, { accountId: ACCOUNT_B, region: REGION_2, keyState: "PendingDeletion", deletionDate: T0 + DAY, pendingWindowDays: 7 }),
            [],
          );
          assert.equal(await s.accountHasKeys(ACCOUNT_B), true);
          assert.equal(await s.accountHasKeys(ACCOUNT_A), false);
          assert.equal(await s.accountHasKeys("22222222222"), false, "no prefix match");
          await s.deleteKey(K1);
          assert.equal(await s.accountHasKeys(ACCOUNT_B), false);
          await seed(s);
          assert.equal(await s.accountHasKeys(ACCOUNT_A), true);
          assert.equal(await s.accountHasKeys(ACCOUNT_B), true);
          await s.resetKeys();
          assert.equal(await s.accountHasKeys(ACCOUNT_A), false);
        }),
      );
    });

    describe("resetKeys, copies and durability", () => {
      it(
        "resetKeys removes every key, material, alias and grant and keeps accounts, principals and access keys",
        test(async ({ store: s }) => {
          await seed(s);
          const before = await snapshot(s);
          await s.resetKeys();
          const after = await snapshot(s);
          assert.equal(after.count, 0);
          for (const p of Object.values(after.keys)) assert.deepEqual(p, []);
          for (const p of Object.values(after.aliases)) assert.deepEqual(p, []);
          for (const m of Object.values(after.materials)) assert.deepEqual(m, []);
          assert.equal(await s.getKeyMaterial(K1, mid(`${K1}/1`)), undefined);
          assert.deepEqual(after.due, []);
          for (const g of Object.values(after.grants)) assert.deepEqual(g, []);
          for (const n of Object.values(after.grantCounts)) assert.equal(n, 0);
          for (const g of Object.values(after.grantsById)) assert.equal(g, undefined);
          for (const g of Object.values(after.retirable)) assert.deepEqual(g, []);
          for (const g of Object.values(after.grantsByGrantee)) assert.deepEqual(g, []);
          assert.deepEqual(after.accounts, before.accounts);
          assert.deepEqual(after.principals, before.principals);
          assert.deepEqual(after.accessKeys, before.accessKeys);
          assert.deepEqual(after.wrappedNotUnder["root-v1"], before.wrappedNotUnder["root-v1"]?.filter((r) => r.kind === "access-key"));
          assert.equal(after.wrappedUnder["root-v1"], 3, "only the access keys' secrets remain");
          await s.createKey(makeKey(K1), [makeMaterial(K1, 1)]);
          await s.createAlias(makeAlias("alias/one", K1));
          await s.createGrant(seedGrant(GA));
          assert.equal(await s.countKeys(), 1, "the store is usable after a reset");
          assert.equal(await s.countGrants(K1), 1);
        }),
      );

      it(
        "records returned are copies: mutating them does not change the store",
        test(async ({ store: s }) => {
          await seed(s);
          const updated = await s.updateKey({ key: makeKey(K5, { description: "v2" }), expectedRevision: 1 });
          const before = await snapshot(s);
          (updated as { description: string }).description = "mutated";
          (updated.tags as Tag[]).length = 0;
          const k = await s.getKey(K1);
          assert.ok(k);
          (k as { description: string }).description = "mutated";
          (k.tags as Tag[]).push({ TagKey: "x", TagValue: "y" });
          (k.rotation as { enabled: boolean }).enabled = true;
          const listed = (await s.listKeys(ACCOUNT_A, REGION_1, undefined, 10)).items;
          (listed[0] as { keyState: string }).keyState = "Disabled";
          const due = await s.dueKeys(Number.MAX_SAFE_INTEGER, 10);
          (due[0] as { description: string }).description = "mutated";
          const m = await s.getKeyMaterial(K1, mid(`${K1}/2`));
          m?.wrapped.blob.fill(0);
          m?.publicKey?.fill(0);
          const ms = await s.listKeyMaterials(K1);
          ms[0]?.wrapped.blob.fill(0);
          const a = await s.getAlias(ACCOUNT_A, REGION_1, "alias/one");
          (a as { targetKeyId: string }).targetKeyId = K5;
          const as = (await s.listAliases(ACCOUNT_A, REGION_1, undefined, undefined, 10)).items;
          (as[0] as { targetKeyId: string }).targetKeyId = K5;
          const acct = await s.getAccount(ACCOUNT_A);
          (acct as { createdAt: number }).createdAt = 0;
          const accts = await s.listAccounts();
          (accts[0] as { createdAt: number }).createdAt = 0;
          const p = await s.getPrincipal(ALICE);
          (p?.policies as Record<string, string>)["evil"] = "{}";
          const ps = await s.listPrincipals(ACCOUNT_A);
          (ps[0] as { name: string }).name = "mallory";
          const ak = await s.getAccessKey("AKIAALICE0000000001");
          ak?.secret.blob.fill(0);
          (ak as { status: string }).status = "Inactive";
          const aks = await s.listAccessKeys(ALICE);
          aks[0]?.secret.blob.fill(0);
          const g = await s.getGrant(K1, GA);
          (g?.operations as string[]).push("Sign");
          ((g?.constraints?.EncryptionContextSubset ?? {}) as Record<string, string>)["Department"] = "HR";
          const gs = (await s.listGrants(K1, undefined, 10)).items;
          (gs[0] as { granteePrincipal: string }).granteePrincipal = ROOT_A;
          (gs[0]?.operations as string[]).length = 0;
          const gg = await s.listGrantsForGrantee(K1, ALICE);
          (gg[0] as { retiringPrincipal: string }).retiringPrincipal = ROOT_A;
          const rg = (await s.listRetirableGrants(ROLE_B, undefined, 10)).items;
          (rg[0] as { keyId: string }).keyId = K5;
          const wr = await s.listWrappedNotUnder("root-v9", 100);
          for (const r of wr) r.wrapped.blob.fill(0);
          (wr[0]?.wrapped as { rootVersion: string }).rootVersion = "root-v9";
          assert.deepEqual(await snapshot(s), before);
          assert.equal((await s.getKey(K5))?.description, "v2");
        }),
      );

      it(
        "records passed in are copied: mutating them after the call does not change the store",
        test(async ({ store: s }) => {
          const key = makeKey(K1);
          const mat = makeMaterial(K1, 1, { publicKey: blob("spki") });
          await s.createKey(key, [mat]);
          (key.tags as Tag[]).push({ TagKey: "x", TagValue: "y" });
          mat.wrapped.blob.fill(0);
          mat.publicKey?.fill(0);
          const next = makeKey(K1, { description: "v2" });
          const added = makeMaterial(K1, 2);
          await s.updateKey({ key: next, expectedRevision: 1, addMaterials: [added] });
          (next.rotation as { enabled: boolean }).enabled = true;
          added.wrapped.blob.fill(0);
          const alias = makeAlias("alias/one", K1);
          await s.createAlias(alias);
          (alias as { targetKeyId: string }).targetKeyId = K2;
          const principal = makePrincipal(ALICE);
          await s.putPrincipal(principal);
          (principal.policies as Record<string, string>)["evil"] = "{}";
          const ak = makeAccessKey("AKIA1", ALICE);
          await s.putAccessKey(ak);
          ak.secret.blob.fill(0);
          const grant = makeGrant("g", K1, { constraints: { EncryptionContextEquals: { a: "b" } } });
          await s.createGrant(grant);
          (grant.operations as string[]).push("Sign");
          ((grant.constraints?.EncryptionContextEquals ?? {}) as Record<string, string>)["a"] = "evil";
          const rewrapped: WrappedKey = { rootVersion: "root-v2", blob: blob("rewrapped") };
          assert.equal(await s.replaceWrapped(materialRef(K1, 2), rewrapped), true);
          rewrapped.blob.fill(0);
          const akNext: WrappedKey = { rootVersion: "root-v2", blob: blob("ak rewrapped") };
          const akRef = accessKeyRef("AKIA1");
          assert.equal(await s.replaceWrapped(akRef, akNext), true);
          akNext.blob.fill(0);
          akRef.wrapped.blob.fill(0);
          assert.deepEqual(await s.getKey(K1), { ...makeKey(K1, { description: "v2" }), revision: 2 });
          assert.deepEqual(await s.listKeyMaterials(K1), [
            makeMaterial(K1, 1, { publicKey: blob("spki") }),
            makeMaterial(K1, 2, { wrapped: { rootVersion: "root-v2", blob: blob("rewrapped") } }),
          ]);
          assert.deepEqual(await s.getAlias(ACCOUNT_A, REGION_1, "alias/one"), makeAlias("alias/one", K1));
          assert.deepEqual(await s.getPrincipal(ALICE), makePrincipal(ALICE));
          assert.deepEqual(
            await s.getAccessKey("AKIA1"),
            makeAccessKey("AKIA1", ALICE, { secret: { rootVersion: "root-v2", blob: blob("ak rewrapped") } }),
          );
          assert.deepEqual(await s.getGrant(K1, gid("g")), makeGrant("g", K1, { constraints: { EncryptionContextEquals: { a: "b" } } }));
        }),
      );

      it(
        "everything written is there after close and reopen",
        test(async (h, t) => {
          if (h.reopen === undefined) {
            t.skip("this backend cannot be reopened");
            return;
          }
          await seed(h.store);
          await h.store.updateKey({
            key: makeKey(K1, { description: "v2" }),
            expectedRevision: 1,
            addMaterials: [makeMaterial(K1, 3, { publicKey: blob("pub3") })],
            removeMaterialIds: [mid(`${K1}/1`)],
          });
          await h.store.updateAlias(makeAlias("alias/uno", K5, { updatedAt: T0 + DAY }));
          await h.store.deleteAccessKey("AKIAALICE0000000002");
          await h.store.deleteGrant(K1, GB);
          await h.store.createGrant(makeGrant("new", K5, { name: "after seed", retiringPrincipal: ROOT_A }));
          assert.equal(await h.store.replaceWrapped(materialRef(K1, 2), REWRAPPED), true);
          assert.equal(await h.store.replaceWrapped(accessKeyRef("AKIAROOTA0000000001"), REWRAPPED), true);
          assert.equal(await h.store.deleteAccount(ACCOUNT_B), true);
          const before = await snapshot(h.store);
          await h.reopen();
          assert.deepEqual(await snapshot(h.store), before);
          assert.equal(await h.store.getGrant(K1, GB), undefined);
          assert.deepEqual(await h.store.getGrant(K5, NEW_GRANT), makeGrant("new", K5, { name: "after seed", retiringPrincipal: ROOT_A }));
          assert.deepEqual((await h.store.getKeyMaterial(K1, mid(`${K1}/2`)))?.wrapped, REWRAPPED);
          assert.deepEqual((await h.store.getAccessKey("AKIAROOTA0000000001"))?.secret, REWRAPPED);
          assert.equal(await h.store.countWrappedUnder("root-v9"), 2);
          assert.equal(await h.store.getAccount(ACCOUNT_B), undefined);
          assert.equal(await h.store.getPrincipal(ROLE_B), undefined);
          assert.equal(await h.store.getAccessKey("AKIAROLEB0000000001"), undefined);
          assert.equal(await h.store.accountHasKeys(ACCOUNT_B), true);
          assert.equal((await h.store.getKey(K1))?.revision, 2);
          await h.store.updateKey({ key: makeKey(K1, { description: "v3" }), expectedRevision: 2 });
          assert.equal((await h.store.getKey(K1))?.description, "v3", "the reopened store takes writes");
        }),
      );
    });

    describe("key usage and keys by state", () => {
      const M1 = mid(`${K1}/1`);
      const M2 = mid(`${K1}/2`);

      it(
        "before any tracking, keyUsageTrackingStart is undefined and getKeyUsage of a key never used is undefined",
        test(async ({ store: s }) => {
          await s.createKey(makeKey(K1), [makeMaterial(K1, 1)]);
          assert.equal(await s.keyUsageTrackingStart(), undefined);
          assert.equal(await s.getKeyUsage(K1), undefined);
          assert.equal(await s.getKeyUsage(NEW_KEY), undefined);
        }),
      );

      it(
        "startKeyUsageTracking records the first time only and returns it to every later call, also after reopening",
        test(async (h) => {
          assert.equal(await h.store.startKeyUsageTracking(T0 + 5), T0 + 5);
          assert.equal(await h.store.startKeyUsageTracking(T0 + 9), T0 + 5);
          assert.equal(await h.store.keyUsageTrackingStart(), T0 + 5);
          if (h.reopen !== undefined) {
            await h.reopen();
            assert.equal(await h.store.keyUsageTrackingStart(), T0 + 5);
            assert.equal(await h.store.startKeyUsageTracking(T0 + 11), T0 + 5);
          }
        }),
      );

      it(
        "addKeyUsage adds counts per version, keeps the later times, and replaces the last use only with a later one",
        test(async (h) => {
          await seed(h.store);
          assert.deepEqual(await h.store.getKeyUsage(K1), SEED_USAGE);
          await h.store.addKeyUsage([
            {
              keyId: K1,
              last: { at: T0 + 40, operation: "Encrypt", requestId: "req-older", eventId: "evt-older" },
              versions: [
                { materialId: M1, encryptions: 2, decryptions: 5, lastEncryptAt: T0 + 5, lastDecryptAt: T0 + 45 },
                { materialId: M2, encryptions: 0, decryptions: 1, lastDecryptAt: T0 + 30 },
              ],
            },
          ]);
          const expected: KeyUsageRecord = {
            keyId: K1,
            last: SEED_USAGE.last as NonNullable<KeyUsageRecord["last"]>,
            versions: [
              { materialId: M1, encryptions: 5, decryptions: 6, lastEncryptAt: T0 + 10, lastDecryptAt: T0 + 50 },
              { materialId: M2, encryptions: 1, decryptions: 1, lastEncryptAt: T0 + 20, lastDecryptAt: T0 + 30 },
            ],
          };
          assert.deepEqual(await h.store.getKeyUsage(K1), expected, "an older last use does not replace a newer one");
          const newer = { at: T0 + 80, operation: "ReEncrypt", requestId: "req-newer", eventId: "evt-newer" };
          await h.store.addKeyUsage([{ keyId: K1, last: newer, versions: [] }]);
          assert.deepEqual(await h.store.getKeyUsage(K1), { ...expected, last: newer });
          if (h.reopen !== undefined) {
            await h.reopen();
            assert.deepEqual(await h.store.getKeyUsage(K1), { ...expected, last: newer }, "usage is durable");
          }
        }),
      );

      it(
        "addKeyUsage records usage of several keys at once, a key with counts only or a last use only, and ignores keys that do not exist",
        test(async ({ store: s }) => {
          await seed(s);
          const last = { at: T0 + 1, operation: "Sign", requestId: "r", eventId: "e" };
          await s.addKeyUsage([
            { keyId: K3, last, versions: [] },
            { keyId: K4, versions: [{ materialId: mid(`${K4}/1`), encryptions: 1, decryptions: 0, lastEncryptAt: T0 + 2 }] },
            { keyId: NEW_KEY, last, versions: [{ materialId: mid("x"), encryptions: 1, decryptions: 1 }] },
          ]);
          assert.deepEqual(await s.getKeyUsage(K3), { keyId: K3, last, versions: [] });
          assert.deepEqual(await s.getKeyUsage(K4), {
            keyId: K4,
            versions: [{ materialId: mid(`${K4}/1`), encryptions: 1, decryptions: 0, lastEncryptAt: T0 + 2 }],
          });
          assert.equal(await s.getKeyUsage(NEW_KEY), undefined);
          await s.createKey(makeKey(NEW_KEY), []);
          assert.equal(await s.getKeyUsage(NEW_KEY), undefined, "nothing was kept for the key that did not exist");
        }),
      );

      it(
        "deleteKey removes the key's usage; resetKeys removes all usage and keeps the tracking start",
        test(async ({ store: s }) => {
          await seed(s);
          await s.addKeyUsage([{ keyId: K3, last: { at: T0, operation: "Encrypt", requestId: "r", eventId: "e" }, versions: [] }]);
          await s.deleteKey(K1);
          assert.equal(await s.getKeyUsage(K1), undefined);
          assert.ok(await s.getKeyUsage(K3));
          await s.createKey(makeKey(K1), [makeMaterial(K1, 1)]);
          assert.equal(await s.getKeyUsage(K1), undefined, "a key created again with the same id starts unused");
          await s.resetKeys();
          assert.equal(await s.getKeyUsage(K3), undefined);
          assert.equal(await s.keyUsageTrackingStart(), T0);
        }),
      );

      it(
        "countKeysByState counts the keys of every account and region by state, and follows updates and deletions",
        test(async ({ store: s }) => {
          assert.deepEqual(await s.countKeysByState(), {});
          await seed(s);
          assert.deepEqual(await s.countKeysByState(), { Enabled: 4, PendingDeletion: 1 });
          await s.updateKey({ key: makeKey(K1, { keyState: "Disabled" }), expectedRevision: 1 });
          await s.deleteKey(K2);
          assert.deepEqual(await s.countKeysByState(), { Enabled: 3, Disabled: 1 });
        }),
      );
    });

    runCustomKeyStoreContract(test);
    runRoleSessionContract(test);

    describe("injected write failures", () => {
      for (const c of WRITE_CASES) {
        it(
          `${c.method} that fails by injection throws, leaves the store exactly as before, and the next ${c.method} succeeds`,
          test(injectedWriteFailure(c, seed, snapshot)),
        );
      }

      it(
        "injected failures are consumed by writes only: reads in between succeed and do not use them up",
        test(async (h) => {
          await seed(h.store);
          h.injectFailures(2);
          const before = await snapshot(h.store);
          await assert.rejects(h.store.putAccount({ accountId: "333333333333", createdAt: T0 }));
          assert.deepEqual(await snapshot(h.store), before);
          await assert.rejects(h.store.deleteKey(K1));
          assert.deepEqual(await snapshot(h.store), before);
          await h.store.deleteKey(K1);
          assert.equal(await h.store.getKey(K1), undefined);
          await h.store.putAccount({ accountId: "333333333333", createdAt: T0 });
          assert.ok(await h.store.getAccount("333333333333"));
        }),
      );
    });
  });
}
