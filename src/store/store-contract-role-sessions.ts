/**
 * The STS role session part of the store contract (runStoreContract calls it): records read back
 * exactly, deletion by role, by expiry (bounded) and by root version, copies, durability, and
 * injected write failures.
 */
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import type { RoleSessionRecord, Store } from "./store.js";
import { injectedWriteFailure, type ContractTest, type WriteCase } from "./store-contract-support.js";

const T0 = 1_700_000_000_000;
const A = "111111111111";
const ROLE_R = `arn:aws:iam::${A}:role/R`;
const ROLE_Q = `arn:aws:iam::${A}:role/Q`;

function sessionId(n: number): string {
  return `ASIA${n.toString().padStart(16, "0")}`;
}

function makeSession(n: number, over: Partial<RoleSessionRecord> = {}): RoleSessionRecord {
  return {
    accessKeyId: sessionId(n),
    accountId: A,
    roleArn: ROLE_R,
    roleId: "AROAEXAMPLEEXAMPLE001",
    sessionName: `s${n}`,
    sessionArn: `arn:aws:sts::${A}:assumed-role/R/s${n}`,
    issuedAt: T0,
    expiresAt: T0 + 3_600_000,
    secret: { rootVersion: "r1", blob: Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 7 + n) & 0xff)) },
    tokenHash: Buffer.alloc(32, n),
    ...over,
  };
}

const S1 = makeSession(1);
const S2 = makeSession(2, { expiresAt: T0 + 900_000 });
const S3 = makeSession(3, { roleArn: ROLE_Q, roleId: "AROAEXAMPLEEXAMPLE002", expiresAt: T0 + 1_800_000, secret: { rootVersion: "r2", blob: Buffer.from("wrapped-3") } });
const S4 = makeSession(4, { expiresAt: T0 + 1_000_000 });
const SEEDED = [S1, S2, S3, S4];

async function seed(s: Store): Promise<void> {
  for (const r of SEEDED) await s.putRoleSession(r);
}

async function ids(s: Store): Promise<string[]> {
  const out: string[] = [];
  for (let n = 1; n <= 4; n++) if ((await s.getRoleSession(sessionId(n))) !== undefined) out.push(sessionId(n));
  return out;
}

async function snapshot(s: Store): Promise<(RoleSessionRecord | undefined)[]> {
  return Promise.all([1, 2, 3, 4, 5].map((n) => s.getRoleSession(sessionId(n))));
}

const WRITE_CASES: readonly WriteCase[] = [
  {
    method: "putRoleSession",
    act: (s) => s.putRoleSession(makeSession(5)),
    check: async (s) => assert.deepEqual(await s.getRoleSession(sessionId(5)), makeSession(5)),
  },
  {
    method: "deleteRoleSessionsOf",
    act: (s) => s.deleteRoleSessionsOf(ROLE_R),
    check: async (s) => assert.deepEqual(await ids(s), [S3.accessKeyId]),
  },
  {
    method: "deleteExpiredRoleSessions",
    act: (s) => s.deleteExpiredRoleSessions(T0 + 900_000, 10),
    check: async (s) => assert.deepEqual(await ids(s), [S1.accessKeyId, S3.accessKeyId, S4.accessKeyId]),
  },
  {
    method: "deleteRoleSessionsNotUnder",
    act: (s) => s.deleteRoleSessionsNotUnder("r2"),
    check: async (s) => assert.deepEqual(await ids(s), [S3.accessKeyId]),
  },
];

export function runRoleSessionContract(test: ContractTest): void {
  describe("role sessions", () => {
    it(
      "a stored session reads back exactly, with Buffers; an unknown one is undefined; put replaces",
      test(async ({ store: s }) => {
        assert.equal(await s.getRoleSession(S1.accessKeyId), undefined);
        await seed(s);
        for (const r of SEEDED) assert.deepEqual(await s.getRoleSession(r.accessKeyId), r);
        const got = await s.getRoleSession(S1.accessKeyId);
        assert.ok(Buffer.isBuffer(got?.secret.blob) && Buffer.isBuffer(got.tokenHash));
        const next = makeSession(1, { expiresAt: T0 + 5, secret: { rootVersion: "r9", blob: Buffer.from("x") }, tokenHash: Buffer.alloc(32, 9) });
        await s.putRoleSession(next);
        assert.deepEqual(await s.getRoleSession(S1.accessKeyId), next);
      }),
    );

    it(
      "records are copies: changing one read or written does not change the store",
      test(async ({ store: s }) => {
        const mine = makeSession(1);
        await s.putRoleSession(mine);
        mine.secret.blob.fill(0);
        mine.tokenHash.fill(0);
        const got = await s.getRoleSession(S1.accessKeyId);
        assert.deepEqual(got, S1);
        got?.secret.blob.fill(0);
        assert.deepEqual(await s.getRoleSession(S1.accessKeyId), S1);
      }),
    );

    it(
      "deleteRoleSessionsOf removes the role's sessions only and counts them",
      test(async ({ store: s }) => {
        await seed(s);
        assert.equal(await s.deleteRoleSessionsOf(ROLE_R), 3);
        assert.deepEqual(await ids(s), [S3.accessKeyId]);
        assert.equal(await s.deleteRoleSessionsOf(ROLE_R), 0);
      }),
    );

    it(
      "deleteExpiredRoleSessions removes sessions expired at `now`, at most `limit`, and counts them",
      test(async ({ store: s }) => {
        await seed(s);
        assert.equal(await s.deleteExpiredRoleSessions(T0 + 899_999, 10), 0);
        assert.equal(await s.deleteExpiredRoleSessions(T0 + 1_800_000, 2), 2);
        assert.equal((await ids(s)).length, 2);
        assert.equal(await s.deleteExpiredRoleSessions(T0 + 1_800_000, 2), 1);
        assert.deepEqual(await ids(s), [S1.accessKeyId]);
        assert.equal(await s.deleteExpiredRoleSessions(T0 + 1_800_000, 2), 0);
      }),
    );

    it(
      "deleteRoleSessionsNotUnder removes sessions wrapped under any other root version",
      test(async ({ store: s }) => {
        await seed(s);
        assert.equal(await s.deleteRoleSessionsNotUnder("r1"), 1);
        assert.deepEqual(await ids(s), [S1.accessKeyId, S2.accessKeyId, S4.accessKeyId]);
      }),
    );

    it(
      "sessions are durable: a reopened store reads them back",
      test(async (h) => {
        if (h.reopen === undefined) return;
        await seed(h.store);
        await h.reopen();
        for (const r of SEEDED) assert.deepEqual(await h.store.getRoleSession(r.accessKeyId), r);
      }),
    );

    for (const c of WRITE_CASES) {
      it(
        `${c.method} that fails by injection throws, leaves every session as before, and the next ${c.method} succeeds`,
        test(injectedWriteFailure(c, seed, snapshot)),
      );
    }
  });
}
