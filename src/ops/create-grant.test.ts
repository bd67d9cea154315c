import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, test } from "node:test";
import { SoftwareKeystore } from "../keystore/software-keystore.js";
import { KmsAuthorizer } from "../policy/kms-authorizer.js";
import { storeAuthzLookups } from "../service/authz-lookups.js";
import { MemoryStore } from "../store/memory-store.js";
import type { OpContext } from "./context.js";
import { createGrant } from "./create-grant.js";
import { createKey } from "./create-key.js";
import { KeyMaterials } from "./support/key-materials.js";

const ACCOUNT = "111122223333";
const ROOT = `arn:aws:iam::${ACCOUNT}:root`;

async function context(grantsPerKey: number): Promise<OpContext> {
  const store = new MemoryStore();
  await store.putAccount({ accountId: ACCOUNT, createdAt: 0 });
  await store.putPrincipal({ arn: ROOT, accountId: ACCOUNT, type: "Root", name: "root", principalId: ACCOUNT, createdAt: 0, policies: {} });
  return {
    caller: {
      accountId: ACCOUNT,
      region: "us-east-1",
      principalArn: ROOT,
      principalId: ACCOUNT,
      principalType: "Root",
      accessKeyId: "test",
      sourceIp: "127.0.0.1",
      userAgent: "unit",
      secureTransport: false,
    },
    requestId: "r",
    now: () => Date.UTC(2026, 0, 1),
    random: randomBytes,
    store,
    materials: new KeyMaterials(store, SoftwareKeystore.ephemeral()),
    authorizer: new KmsAuthorizer(storeAuthzLookups(store)),
    authorized: { count: 0 },
    resolvedKeys: [],
    limits: { maxPlaintextBytes: 4096, grantsPerKey },
  };
}

describe("CreateGrant limits", () => {
  test("a key holds at most its quota of grants: LimitExceededException, and nothing stored", async () => {
    const ctx = await context(3);
    const keyId = (await createKey(ctx, {})).KeyMetadata?.KeyId ?? "";
    for (let i = 0; i < 3; i++) await createGrant(ctx, { KeyId: keyId, GranteePrincipal: ROOT, Operations: ["Decrypt"] });
    await assert.rejects(createGrant(ctx, { KeyId: keyId, GranteePrincipal: ROOT, Operations: ["Decrypt"] }), {
      name: "LimitExceededException",
      message: `The KMS key arn:aws:kms:us-east-1:${ACCOUNT}:key/${keyId} has reached its quota of 3 grants.`,
    });
    assert.equal(await ctx.store.countGrants(keyId), 3);
  });

  test("a retry of a named grant is answered even at the quota: it creates nothing", async () => {
    const ctx = await context(1);
    const keyId = (await createKey(ctx, {})).KeyMetadata?.KeyId ?? "";
    const a = await createGrant(ctx, { KeyId: keyId, GranteePrincipal: ROOT, Operations: ["Decrypt"], Name: "once" });
    const b = await createGrant(ctx, { KeyId: keyId, GranteePrincipal: ROOT, Operations: ["Decrypt"], Name: "once" });
    assert.equal(b.GrantId, a.GrantId);
  });

  test("without a configured quota, AWS's 50,000 applies", async () => {
    const ctx = await context(3);
    const { grantsPerKey: _q, ...limits } = ctx.limits;
    const keyId = (await createKey({ ...ctx, limits }, {})).KeyMetadata?.KeyId ?? "";
    for (let i = 0; i < 4; i++) await createGrant({ ...ctx, limits }, { KeyId: keyId, GranteePrincipal: ROOT, Operations: ["Decrypt"] });
    assert.equal(await ctx.store.countGrants(keyId), 4);
  });
});
