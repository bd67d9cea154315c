/**
 * The custom key store part of the store contract (runStoreContract calls it): records, the unique
 * name per account and region and the unique cluster, paging, compare-and-swap, the wrapped
 * password in root re-wrap, copies, durability, and injected write failures.
 */
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import type { CustomKeyStoreRecord } from "../domain/custom-key-store.js";
import type { KeyRecord } from "../domain/key-record.js";
import type { WrappedKey } from "../keystore/keystore.js";
import { DuplicateEntry, RevisionConflict, type Store, type WrappedRef } from "./store.js";
import { injectedWriteFailure, type ContractTest, type WriteCase } from "./store-contract-support.js";


const T0 = 1_700_000_000_000;
const A = "111111111111";
const B = "222222222222";
const R1 = "us-east-1";
const R2 = "eu-west-1";

function bytes(label: string): Buffer {
  return Buffer.concat([Buffer.from(label, "utf8"), Buffer.from(Array.from({ length: 256 }, (_, i) => i))]);
}

function cksId(n: number): string {
  return `cks-${n.toString(16).padStart(17, "0")}`;
}

const C1 = cksId(1);
const C2 = cksId(2);
const C3 = cksId(3);
const C4 = cksId(4);
const NEW = cksId(0xabc);

function makeStore(id: string, over: Partial<CustomKeyStoreRecord> = {}): CustomKeyStoreRecord {
  return {
    customKeyStoreId: id,
    accountId: A,
    region: R1,
    name: `store ${id}`,
    type: "AWS_CLOUDHSM",
    cloudHsmClusterId: `cluster-${id.slice(-11).replace(/[0-9]/g, (d) => "abcdefghij"[Number(d)] ?? "a")}`,
    trustAnchorCertificate: "-----BEGIN CERTIFICATE-----\nMIIB ☕ naïve\n-----END CERTIFICATE-----\n",
    password: { rootVersion: "root-v1", blob: bytes(`password ${id}`) },
    connectionState: "DISCONNECTED",
    createdAt: T0,
    revision: 0,
    ...over,
  };
}

/** C1, C2 in (A, us-east-1), C3 in (A, eu-west-1), C4 in (B, us-east-1); C2 failed with a code; C3's password is under root-v2. */
const SEEDED: readonly CustomKeyStoreRecord[] = [
  makeStore(C1, { connectionState: "CONNECTED" }),
  makeStore(C2, { connectionState: "FAILED", connectionErrorCode: "INVALID_CREDENTIALS", createdAt: T0 + 1 }),
  makeStore(C3, { region: R2, name: `store ${C1}`, password: { rootVersion: "root-v2", blob: bytes("p3") } }),
  makeStore(C4, { accountId: B }),
];

function stored(c: CustomKeyStoreRecord, revision = 1): CustomKeyStoreRecord {
  return { ...c, revision };
}

function keyIn(keyId: string, customKeyStoreId: string | undefined): KeyRecord {
  return {
    keyId,
    accountId: A,
    region: R1,
    createdAt: T0,
    description: "",
    keyUsage: "ENCRYPT_DECRYPT",
    keySpec: "SYMMETRIC_DEFAULT",
    origin: customKeyStoreId === undefined ? "AWS_KMS" : "AWS_CLOUDHSM",
    keyState: "Enabled",
    policy: "{}",
    tags: [],
    rotation: { enabled: false, periodDays: 365, onDemandCount: 0 },
    ...(customKeyStoreId !== undefined ? { customKeyStoreId } : {}),
    revision: 0,
  };
}

async function seed(s: Store): Promise<void> {
  for (const c of SEEDED) await s.createCustomKeyStore(c);
  await s.createKey(keyIn("00000000-0000-4000-8000-0000000000c1", C1), []);
}

interface Snapshot {
  readonly byId: Readonly<Record<string, CustomKeyStoreRecord | undefined>>;
  readonly partitions: Readonly<Record<string, readonly CustomKeyStoreRecord[]>>;
  readonly all: readonly CustomKeyStoreRecord[];
  readonly hasKeys: Readonly<Record<string, boolean>>;
  readonly notUnder: Readonly<Record<string, readonly WrappedRef[]>>;
  readonly under: Readonly<Record<string, number>>;
}

async function snapshot(s: Store): Promise<Snapshot> {
  const byId: Record<string, CustomKeyStoreRecord | undefined> = {};
  const hasKeys: Record<string, boolean> = {};
  for (const id of [C1, C2, C3, C4, NEW]) {
    byId[id] = await s.getCustomKeyStore(id);
    hasKeys[id] = await s.customKeyStoreHasKeys(id);
  }
  const partitions: Record<string, readonly CustomKeyStoreRecord[]> = {};
  for (const a of [A, B]) for (const r of [R1, R2]) partitions[`${a}/${r}`] = (await s.listCustomKeyStores({ accountId: a, region: r }, undefined, 100)).items;
  const notUnder: Record<string, readonly WrappedRef[]> = {};
  const under: Record<string, number> = {};
  for (const v of ["root-v1", "root-v2", "root-v9"]) {
    notUnder[v] = await s.listWrappedNotUnder(v, 100);
    under[v] = await s.countWrappedUnder(v);
  }
  return { byId, partitions, all: (await s.listCustomKeyStores(undefined, undefined, 100)).items, hasKeys, notUnder, under };
}

const REWRAPPED: WrappedKey = { rootVersion: "root-v9", blob: bytes("rewrapped password") };

function passwordRef(c: CustomKeyStoreRecord): Extract<WrappedRef, { kind: "custom-key-store" }> {
  return { kind: "custom-key-store", customKeyStoreId: c.customKeyStoreId, wrapped: c.password };
}

const C1_SEEDED = SEEDED[0] as CustomKeyStoreRecord;
const C2_SEEDED = SEEDED[1] as CustomKeyStoreRecord;

/** C2 renamed and disconnected (so without its error code). */
function renamedC2(): CustomKeyStoreRecord {
  const { connectionErrorCode: _code, ...rest } = C2_SEEDED;
  return { ...rest, name: "renamed", connectionState: "DISCONNECTED" };
}

const WRITE_CASES: readonly WriteCase[] = [
  {
    method: "createCustomKeyStore",
    act: (s) => s.createCustomKeyStore(makeStore(NEW)),
    check: async (s) => assert.deepEqual(await s.getCustomKeyStore(NEW), stored(makeStore(NEW))),
  },
  {
    method: "updateCustomKeyStore",
    act: (s) => s.updateCustomKeyStore(renamedC2(), 1),
    check: async (s) => assert.deepEqual(await s.getCustomKeyStore(C2), { ...renamedC2(), revision: 2 }),
  },
  {
    method: "deleteCustomKeyStore",
    act: async (s) => assert.equal(await s.deleteCustomKeyStore(C2), true),
    check: async (s) => assert.equal(await s.getCustomKeyStore(C2), undefined),
  },
  {
    method: "replaceWrapped (custom key store password)",
    act: async (s) => assert.equal(await s.replaceWrapped(passwordRef(C1_SEEDED), REWRAPPED), true),
    check: async (s) => assert.deepEqual((await s.getCustomKeyStore(C1))?.password, REWRAPPED),
  },
];

export function runCustomKeyStoreContract(test: ContractTest): void {
  describe("custom key stores", () => {
    it(
      "a created store reads back exactly (revision 1), in its partition's list and in the list of every partition, ordered by id",
      test(async ({ store: s }) => {
        assert.equal(await s.getCustomKeyStore(C1), undefined);
        assert.deepEqual((await s.listCustomKeyStores(undefined, undefined, 10)).items, []);
        await seed(s);
        for (const c of SEEDED) assert.deepEqual(await s.getCustomKeyStore(c.customKeyStoreId), stored(c));
        const first = await s.getCustomKeyStore(C1);
        assert.ok(Buffer.isBuffer(first?.password.blob), "the wrapped password comes back as a Buffer");
        assert.deepEqual((await s.listCustomKeyStores({ accountId: A, region: R1 }, undefined, 10)).items, [stored(SEEDED[0] as CustomKeyStoreRecord), stored(C2_SEEDED)]);
        assert.deepEqual((await s.listCustomKeyStores({ accountId: A, region: R2 }, undefined, 10)).items.map((c) => c.customKeyStoreId), [C3]);
        assert.deepEqual((await s.listCustomKeyStores({ accountId: B, region: R2 }, undefined, 10)).items, []);
        assert.deepEqual((await s.listCustomKeyStores(undefined, undefined, 10)).items.map((c) => c.customKeyStoreId), [C1, C2, C3, C4]);
      }),
    );

    it(
      "listCustomKeyStores pages by id: full pages carry a next position, the last page none",
      test(async ({ store: s }) => {
        await seed(s);
        const p1 = await s.listCustomKeyStores(undefined, undefined, 3);
        assert.deepEqual(p1.items.map((c) => c.customKeyStoreId), [C1, C2, C3]);
        assert.equal(p1.next, C3);
        const p2 = await s.listCustomKeyStores(undefined, p1.next, 3);
        assert.deepEqual(p2.items.map((c) => c.customKeyStoreId), [C4]);
        assert.equal(p2.next, undefined);
        const q1 = await s.listCustomKeyStores({ accountId: A, region: R1 }, undefined, 1);
        assert.deepEqual([q1.items.map((c) => c.customKeyStoreId), q1.next], [[C1], C1]);
        const q2 = await s.listCustomKeyStores({ accountId: A, region: R1 }, q1.next, 1);
        assert.deepEqual(q2.items.map((c) => c.customKeyStoreId), [C2]);
        assert.equal((await s.listCustomKeyStores({ accountId: A, region: R1 }, C2, 1)).items.length, 0);
      }),
    );

    it(
      "createCustomKeyStore refuses a taken id, a name taken in the same account and region, and a cluster any store has, changing nothing",
      test(async ({ store: s }) => {
        await seed(s);
        const before = await snapshot(s);
        for (const dup of [
          makeStore(C1, { name: "other", cloudHsmClusterId: "cluster-zzzzzzzzzzz" }),
          makeStore(NEW, { name: `store ${C1}`, cloudHsmClusterId: "cluster-zzzzzzzzzzz" }),
          makeStore(NEW, { name: "other", cloudHsmClusterId: (SEEDED[3] as CustomKeyStoreRecord).cloudHsmClusterId, accountId: A }),
        ]) {
          await assert.rejects(s.createCustomKeyStore(dup), DuplicateEntry);
        }
        assert.deepEqual(await snapshot(s), before);
        await s.createCustomKeyStore(makeStore(NEW, { accountId: B, region: R2, name: `store ${C1}`, cloudHsmClusterId: "cluster-zzzzzzzzzzz" }));
        assert.equal((await s.getCustomKeyStore(NEW))?.name, `store ${C1}`, "the same name in another partition is fine");
      }),
    );

    it(
      "updateCustomKeyStore is a compare-and-swap on revision and keeps the name and cluster constraints",
      test(async ({ store: s }) => {
        await seed(s);
        const c1 = stored(C1_SEEDED);
        const next = await s.updateCustomKeyStore({ ...c1, connectionState: "DISCONNECTED", name: "new name" }, 1);
        assert.equal(next.revision, 2);
        assert.deepEqual(await s.getCustomKeyStore(C1), { ...c1, connectionState: "DISCONNECTED", name: "new name", revision: 2 });
        await assert.rejects(s.updateCustomKeyStore({ ...c1, name: "stale" }, 1), RevisionConflict);
        await assert.rejects(s.updateCustomKeyStore(makeStore(NEW), 1), RevisionConflict, "a store that does not exist");
        const before = await snapshot(s);
        await assert.rejects(s.updateCustomKeyStore({ ...next, name: C2_SEEDED.name }, 2), DuplicateEntry);
        await assert.rejects(s.updateCustomKeyStore({ ...next, cloudHsmClusterId: C2_SEEDED.cloudHsmClusterId }, 2), DuplicateEntry);
        assert.deepEqual(await snapshot(s), before);
        const results = await Promise.allSettled([
          s.updateCustomKeyStore({ ...next, name: "left" }, 2),
          s.updateCustomKeyStore({ ...next, name: "right" }, 2),
        ]);
        assert.equal(results.filter((r) => r.status === "fulfilled").length, 1, "of two writers from one revision one wins");
        assert.equal((await s.getCustomKeyStore(C1))?.revision, 3);
      }),
    );

    it(
      "a FAILED store keeps its error code; a record without one reads back without the member",
      test(async ({ store: s }) => {
        await seed(s);
        assert.equal((await s.getCustomKeyStore(C2))?.connectionErrorCode, "INVALID_CREDENTIALS");
        assert.equal(Object.hasOwn((await s.getCustomKeyStore(C1)) ?? {}, "connectionErrorCode"), false);
      }),
    );

    it(
      "deleteCustomKeyStore removes only that store and returns false for one that is not there; customKeyStoreHasKeys sees keys in any state",
      test(async ({ store: s }) => {
        await seed(s);
        assert.equal(await s.customKeyStoreHasKeys(C1), true);
        assert.equal(await s.customKeyStoreHasKeys(C2), false);
        await s.createKey({ ...keyIn("00000000-0000-4000-8000-0000000000c2", C2), keyState: "PendingDeletion", deletionDate: T0 }, []);
        assert.equal(await s.customKeyStoreHasKeys(C2), true);
        await s.deleteKey("00000000-0000-4000-8000-0000000000c2");
        assert.equal(await s.customKeyStoreHasKeys(C2), false);
        assert.equal(await s.deleteCustomKeyStore(C2), true);
        assert.equal(await s.deleteCustomKeyStore(C2), false);
        assert.equal(await s.getCustomKeyStore(C2), undefined);
        assert.deepEqual((await s.listCustomKeyStores(undefined, undefined, 10)).items.map((c) => c.customKeyStoreId), [C1, C3, C4]);
        await s.createCustomKeyStore(makeStore(NEW, { name: C2_SEEDED.name, cloudHsmClusterId: C2_SEEDED.cloudHsmClusterId }));
        assert.ok(await s.getCustomKeyStore(NEW), "a deleted store's name and cluster are free again");
      }),
    );

    it(
      "passwords take part in root re-wrap: listed after access keys by (root version, id), counted, and swapped by compare-and-swap",
      test(async ({ store: s }) => {
        await seed(s);
        const refs = (await s.listWrappedNotUnder("root-v9", 100)).filter((r) => r.kind === "custom-key-store");
        assert.deepEqual(refs, [passwordRef(C1_SEEDED), passwordRef(C2_SEEDED), passwordRef(SEEDED[3] as CustomKeyStoreRecord), passwordRef(SEEDED[2] as CustomKeyStoreRecord)]);
        assert.deepEqual(await s.listWrappedNotUnder("root-v1", 100), [passwordRef(SEEDED[2] as CustomKeyStoreRecord)]);
        assert.deepEqual(await s.listWrappedNotUnder("root-v9", 2), refs.slice(0, 2));
        assert.equal(await s.countWrappedUnder("root-v1"), 3);
        assert.equal(await s.countWrappedUnder("root-v2"), 1);
        assert.equal(await s.replaceWrapped({ ...passwordRef(C1_SEEDED), wrapped: { rootVersion: "root-v2", blob: C1_SEEDED.password.blob } }, REWRAPPED), false);
        assert.equal(await s.replaceWrapped({ ...passwordRef(C1_SEEDED), customKeyStoreId: NEW }, REWRAPPED), false);
        assert.equal(await s.replaceWrapped(passwordRef(C1_SEEDED), REWRAPPED), true);
        assert.equal(await s.replaceWrapped(passwordRef(C1_SEEDED), REWRAPPED), false, "the old ref no longer matches");
        const c1 = await s.getCustomKeyStore(C1);
        assert.deepEqual(c1, { ...stored(C1_SEEDED), password: REWRAPPED }, "only the password changed, not the revision");
        assert.equal(await s.countWrappedUnder("root-v9"), 1);
      }),
    );

    it(
      "records returned and passed in are copies",
      test(async ({ store: s }) => {
        const c = makeStore(NEW);
        await s.createCustomKeyStore(c);
        c.password.blob.fill(0);
        (c as { name: string }).name = "mutated";
        const got = await s.getCustomKeyStore(NEW);
        got?.password.blob.fill(0);
        const listed = (await s.listCustomKeyStores(undefined, undefined, 10)).items;
        listed[0]?.password.blob.fill(0);
        const ref = (await s.listWrappedNotUnder("root-v9", 10))[0];
        ref?.wrapped.blob.fill(0);
        assert.deepEqual(await s.getCustomKeyStore(NEW), stored(makeStore(NEW)));
      }),
    );

    it(
      "custom key stores are there after close and reopen, and resetKeys keeps them",
      test(async (h, t) => {
        await seed(h.store);
        await h.store.updateCustomKeyStore({ ...stored(C1_SEEDED), connectionState: "DISCONNECTED" }, 1);
        await h.store.resetKeys();
        const before = await snapshot(h.store);
        assert.equal(before.all.length, 4);
        if (h.reopen === undefined) {
          t.skip("this backend cannot be reopened");
          return;
        }
        await h.reopen();
        assert.deepEqual(await snapshot(h.store), before);
      }),
    );

    for (const c of WRITE_CASES) {
      it(
        `${c.method} that fails by injection throws, leaves every custom key store as before, and the next ${c.method} succeeds`,
        test(injectedWriteFailure(c, seed, snapshot)),
      );
    }
  });
}
