import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { GrantRecord } from "../domain/grant-record.js";
import { makeKey, roleCaller, rootCaller, sessionCaller, userCaller } from "../policy/policy-test-fixtures.js";
import { MemoryStore } from "../store/memory-store.js";
import { storeAuthzLookups } from "./authz-lookups.js";

const A = "111122223333";
const key = makeKey("{}");

async function store(): Promise<MemoryStore> {
  const s = new MemoryStore();
  await s.putAccount({ accountId: A, createdAt: 0 });
  await s.putPrincipal({ arn: `arn:aws:iam::${A}:root`, accountId: A, type: "Root", name: "root", principalId: A, createdAt: 0, policies: {} });
  await s.putPrincipal({ arn: `arn:aws:iam::${A}:user/alice`, accountId: A, type: "IAMUser", name: "alice", principalId: "AIDA1", createdAt: 0, policies: { one: '{"a":1}', two: '{"b":2}' } });
  await s.putPrincipal({ arn: `arn:aws:iam::${A}:role/Ops`, accountId: A, type: "Role", name: "Ops", principalId: "AROA1", createdAt: 0, policies: {} });
  return s;
}

function grant(id: string, grantee: string): GrantRecord {
  return { grantId: id.repeat(64).slice(0, 64), keyId: key.keyId, keyAccountId: A, region: "us-east-1", granteePrincipal: grantee, operations: ["Decrypt"], issuingAccount: `arn:aws:iam::${A}:root`, createdAt: 0 };
}

describe("the authorizer's lookups over the store", () => {
  test("identity policies are the principal's named policies; none for an unknown principal", async () => {
    const l = storeAuthzLookups(await store());
    assert.deepEqual(await l.identityPolicies(`arn:aws:iam::${A}:user/alice`), [
      { name: "one", document: '{"a":1}' },
      { name: "two", document: '{"b":2}' },
    ]);
    assert.deepEqual(await l.identityPolicies(`arn:aws:iam::${A}:user/ghost`), []);
  });

  test("a user or role exists when the store holds it, in any account; anything else does not", async () => {
    const l = storeAuthzLookups(await store());
    assert.equal(await l.principalExists(`arn:aws:iam::${A}:user/alice`), true);
    assert.equal(await l.principalExists(`arn:aws:iam::${A}:role/Ops`), true);
    assert.equal(await l.principalExists(`arn:aws:iam::${A}:user/ghost`), false);
    assert.equal(await l.principalExists("arn:aws:iam::999988887777:role/Ops"), false);
  });

  test("resource aliases are the key's alias names", async () => {
    const s = await store();
    for (const n of ["alias/b", "alias/a"]) await s.createAlias({ accountId: A, region: "us-east-1", aliasName: n, targetKeyId: key.keyId, createdAt: 0, updatedAt: 0 });
    await s.createAlias({ accountId: A, region: "us-east-1", aliasName: "alias/other", targetKeyId: "00000000-0000-4000-8000-000000000000", createdAt: 0, updatedAt: 0 });
    assert.deepEqual(await storeAuthzLookups(s).resourceAliases(key), ["alias/a", "alias/b"]);
  });

  test("grants for a caller: its ARN, its role (for a session) and its account root, without repeats", async () => {
    const s = await store();
    await s.createGrant(grant("1", `arn:aws:iam::${A}:user/alice`));
    await s.createGrant(grant("2", `arn:aws:iam::${A}:root`));
    await s.createGrant(grant("3", `arn:aws:iam::${A}:role/Ops`));
    await s.createGrant(grant("4", `arn:aws:iam::${A}:user/bob`));
    const l = storeAuthzLookups(s);
    const ids = async (c: Parameters<NonNullable<typeof l.grantsFor>>[1]): Promise<string[]> => ((await l.grantsFor?.(key, c)) ?? []).map((g) => g.grantId.slice(0, 1));
    assert.deepEqual(await ids(userCaller("alice")), ["1", "2"]);
    assert.deepEqual(await ids(roleCaller("Ops")), ["2", "3"]);
    assert.deepEqual(await ids(sessionCaller("Ops", "s")), ["2", "3"]);
    assert.deepEqual(await ids(rootCaller()), ["2"]);
  });
});
