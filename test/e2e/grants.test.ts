import {
  CreateAliasCommand,
  CreateGrantCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  ListGrantsCommand,
  ListRetirableGrantsCommand,
  RetireGrantCommand,
  RevokeGrantCommand,
  ScheduleKeyDeletionCommand,
  type CreateGrantCommandInput,
  type CreateGrantCommandOutput,
  type GrantOperation,
} from "@aws-sdk/client-kms";
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { ACCOUNT_A, ACCOUNT_B, ROOT_A, userArn, useWorld, type Principal } from "../support/authz.js";
import { expectError, setup } from "../support/harness.js";

/** Every grant operation end to end: shapes, idempotency, validation, paging, errors. */

const w = useWorld();
const { k, key } = w;
let kms: Principal["client"];
const arnOf = (name: string): string => `arn:aws:kms:us-east-1:${ACCOUNT_A}:key/${key(name)}`;
const ALICE = userArn("alice");
const BOB = userArn("bob");

setup(async () => {
  kms = w.rootA.client;
  await w.user("alice");
  await w.user("bob");
  await w.user("carol", {}, ACCOUNT_B);
  await w.role("Worker");
  k["sym"] = await w.createKey({});
  k["rsaEnc"] = await w.createKey({ KeySpec: "RSA_2048", KeyUsage: "ENCRYPT_DECRYPT" });
  k["sign"] = await w.createKey({ KeySpec: "ECC_NIST_P256", KeyUsage: "SIGN_VERIFY" });
  k["hmac"] = await w.createKey({ KeySpec: "HMAC_256", KeyUsage: "GENERATE_VERIFY_MAC" });
  k["agree"] = await w.createKey({ KeySpec: "ECC_NIST_P256", KeyUsage: "KEY_AGREEMENT" });
  k["paged"] = await w.createKey({});
  k["states"] = await w.createKey({});
});

function create(name: string, input: Omit<CreateGrantCommandInput, "KeyId">): Promise<CreateGrantCommandOutput> {
  return kms.send(new CreateGrantCommand({ KeyId: key(name), ...input } as CreateGrantCommandInput));
}

describe("CreateGrant", () => {
  test("returns a 64-hex GrantId and a grant token; ListGrants reports every field of the grant", async () => {
    const r = await create("sym", {
      GranteePrincipal: ALICE,
      RetiringPrincipal: BOB,
      Operations: ["Decrypt", "Encrypt"],
      Constraints: { EncryptionContextSubset: { dept: "fin" } },
      Name: "app-grant",
    });
    assert.match(r.GrantId ?? "", /^[0-9a-f]{64}$/);
    assert.ok((r.GrantToken ?? "").length > 40);
    const list = await kms.send(new ListGrantsCommand({ KeyId: key("sym") }));
    const g = list.Grants?.find((x) => x.GrantId === r.GrantId);
    assert.ok(g !== undefined);
    assert.equal(g.KeyId, arnOf("sym"));
    assert.equal(g.Name, "app-grant");
    assert.ok(g.CreationDate instanceof Date && Math.abs(g.CreationDate.getTime() - Date.now()) < 60_000);
    assert.equal(g.GranteePrincipal, ALICE);
    assert.equal(g.RetiringPrincipal, BOB);
    assert.equal(g.IssuingAccount, ROOT_A);
    assert.deepEqual(g.Operations, ["Decrypt", "Encrypt"]);
    assert.deepEqual(g.Constraints, { EncryptionContextSubset: { dept: "fin" } });
    assert.equal(list.Truncated, false);
  });

  test("a grant without Name, RetiringPrincipal or Constraints lists without those fields", async () => {
    const r = await create("sym", { GranteePrincipal: BOB, Operations: ["DescribeKey"] });
    const list = await kms.send(new ListGrantsCommand({ KeyId: key("sym"), GrantId: r.GrantId }));
    const g = list.Grants?.[0];
    assert.ok(g !== undefined);
    assert.equal(g.Name, undefined);
    assert.equal(g.RetiringPrincipal, undefined);
    assert.equal(g.Constraints, undefined);
  });

  test("a retry with the same Name and parameters returns the same grant id and a new token", async () => {
    const input = { GranteePrincipal: ALICE, Operations: ["Encrypt", "Decrypt"] as GrantOperation[], Name: "retry-me" };
    const a = await create("sym", input);
    const b = await create("sym", { ...input, Operations: ["Decrypt", "Encrypt"] });
    assert.equal(b.GrantId, a.GrantId);
    assert.notEqual(b.GrantToken, a.GrantToken);
    const c = await create("sym", { ...input, Operations: ["Encrypt"] });
    assert.notEqual(c.GrantId, a.GrantId, "same name, other parameters: a new grant");
    const d = await create("sym", { GranteePrincipal: ALICE, Operations: ["Encrypt", "Decrypt"] });
    assert.notEqual(d.GrantId, a.GrantId, "no name: always a new grant");
  });

  test("accepts as grantee an account, a user, a role, an assumed-role session and a principal of another account", async () => {
    for (const grantee of [`arn:aws:iam::${ACCOUNT_B}:root`, ALICE, `arn:aws:iam::${ACCOUNT_A}:role/Worker`, `arn:aws:sts::${ACCOUNT_A}:assumed-role/Worker/job-1`, userArn("carol", ACCOUNT_B)]) {
      const r = await create("sym", { GranteePrincipal: grantee, Operations: ["Decrypt"] });
      assert.match(r.GrantId ?? "", /^[0-9a-f]{64}$/, grantee);
    }
  });

  test("a grantee or retiring principal that does not exist is InvalidArnException in AWS's words", async () => {
    for (const arn of [userArn("nobody"), "arn:aws:iam::999988887777:root", "arn:aws:sts::111122223333:federated-user/fed", "not-an-arn"]) {
      const e = await expectError(create("sym", { GranteePrincipal: arn, Operations: ["Decrypt"] }), "InvalidArnException");
      assert.equal(e.message, `ARN does not refer to a valid principal: ${arn}`);
    }
    const e = await expectError(create("sym", { GranteePrincipal: ALICE, RetiringPrincipal: userArn("ghost"), Operations: ["Decrypt"] }), "InvalidArnException");
    assert.equal(e.message, `ARN does not refer to a valid principal: ${userArn("ghost")}`);
  });

  test("operations must be ones the key type supports", async () => {
    const ok: Record<string, GrantOperation[]> = {
      sym: ["Encrypt", "Decrypt", "ReEncryptFrom", "ReEncryptTo", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext", "DescribeKey", "CreateGrant", "RetireGrant"],
      rsaEnc: ["Encrypt", "Decrypt", "ReEncryptFrom", "ReEncryptTo", "GetPublicKey", "DescribeKey"],
      sign: ["Sign", "Verify", "GetPublicKey", "DescribeKey", "RetireGrant"],
      hmac: ["GenerateMac", "VerifyMac", "DescribeKey", "CreateGrant"],
      agree: ["DeriveSharedSecret", "GetPublicKey", "DescribeKey"],
    };
    for (const [name, ops] of Object.entries(ok)) await create(name, { GranteePrincipal: ALICE, Operations: ops });
    const bad: [string, GrantOperation][] = [
      ["sym", "Sign"],
      ["sym", "GetPublicKey"],
      ["sym", "GenerateMac"],
      ["rsaEnc", "GenerateDataKey"],
      ["rsaEnc", "Sign"],
      ["sign", "Encrypt"],
      ["sign", "DeriveSharedSecret"],
      ["hmac", "Encrypt"],
      ["agree", "Sign"],
      ["sym", "Encapsulate"],
    ];
    for (const [name, op] of bad) {
      const e = await expectError(create(name, { GranteePrincipal: ALICE, Operations: ["DescribeKey", op] }), "ValidationException");
      assert.match(e.message, new RegExp(`^Grant operations \\[${op}\\] are not supported for `), `${name} ${op}`);
    }
  });

  test("encryption context constraints are refused with operations that take no encryption context", async () => {
    const c = { EncryptionContextEquals: { a: "b" } };
    await create("sym", { GranteePrincipal: ALICE, Operations: ["Decrypt", "DescribeKey", "RetireGrant", "CreateGrant"], Constraints: c });
    for (const [name, op] of [["hmac", "GenerateMac"], ["sign", "Sign"], ["rsaEnc", "Decrypt"]] as const) {
      const e = await expectError(create(name, { GranteePrincipal: ALICE, Operations: [op], Constraints: c }), "ValidationException");
      assert.match(e.message, /^Grant constraints are supported only for operations that take an encryption context on a symmetric encryption KMS key/);
    }
  });

  test("a constraint holds at most 8 pairs", async () => {
    const nine = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`k${i}`, "v"]));
    await expectError(create("sym", { GranteePrincipal: ALICE, Operations: ["Decrypt"], Constraints: { EncryptionContextSubset: nine } }), "ValidationException");
  });

  test("an alias is not a KeyId CreateGrant accepts", async () => {
    await kms.send(new CreateAliasCommand({ AliasName: "alias/grants-sym", TargetKeyId: key("sym") }));
    await expectError(kms.send(new CreateGrantCommand({ KeyId: "alias/grants-sym", GranteePrincipal: ALICE, Operations: ["Decrypt"] })), "NotFoundException");
  });

  test("a service grantee is not supported: Trent has no AWS services", async () => {
    await expectError(
      kms.send(new CreateGrantCommand({ KeyId: key("sym"), GranteeServicePrincipal: "ec2.amazonaws.com", Operations: ["Decrypt"] } as CreateGrantCommandInput)),
      "UnsupportedOperationException",
    );
  });

  test("a disabled key refuses CreateGrant (DisabledException) but lists its grants; a key pending deletion refuses it too", async () => {
    await create("states", { GranteePrincipal: ALICE, Operations: ["Decrypt"] });
    await kms.send(new DisableKeyCommand({ KeyId: key("states") }));
    await expectError(create("states", { GranteePrincipal: ALICE, Operations: ["Decrypt"] }), "DisabledException");
    assert.equal((await kms.send(new ListGrantsCommand({ KeyId: key("states") }))).Grants?.length, 1);
    await kms.send(new EnableKeyCommand({ KeyId: key("states") }));
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: key("states"), PendingWindowInDays: 7 }));
    await expectError(create("states", { GranteePrincipal: ALICE, Operations: ["Decrypt"] }), "KMSInvalidStateException");
  });
});

describe("ListGrants", () => {
  const ids: string[] = [];
  before(async () => {
    for (let i = 0; i < 5; i++) ids.push((await create("paged", { GranteePrincipal: i % 2 === 0 ? ALICE : BOB, Operations: ["Decrypt"] })).GrantId ?? "");
    ids.sort();
  });

  test("pages in grant id order with Limit and Marker", async () => {
    const seen: string[] = [];
    let marker: string | undefined;
    let pages = 0;
    do {
      const r = await kms.send(new ListGrantsCommand({ KeyId: key("paged"), Limit: 2, ...(marker !== undefined ? { Marker: marker } : {}) }));
      seen.push(...(r.Grants ?? []).map((g) => g.GrantId ?? ""));
      marker = r.Truncated === true ? r.NextMarker : undefined;
      pages++;
    } while (marker !== undefined);
    assert.deepEqual(seen, ids);
    assert.equal(pages, 3);
  });

  test("filters by GranteePrincipal, with paging too", async () => {
    const first = await kms.send(new ListGrantsCommand({ KeyId: key("paged"), GranteePrincipal: ALICE, Limit: 2 }));
    assert.equal(first.Grants?.length, 2);
    assert.equal(first.Truncated, true);
    const second = await kms.send(new ListGrantsCommand({ KeyId: key("paged"), GranteePrincipal: ALICE, Limit: 2, Marker: first.NextMarker }));
    assert.equal(second.Grants?.length, 1);
    assert.equal(second.Truncated, false);
    for (const g of [...(first.Grants ?? []), ...(second.Grants ?? [])]) assert.equal(g.GranteePrincipal, ALICE);
  });

  test("filters by GrantId; an unknown well-formed id lists nothing; a malformed one is InvalidGrantIdException", async () => {
    const one = await kms.send(new ListGrantsCommand({ KeyId: key("paged"), GrantId: ids[2] }));
    assert.deepEqual(one.Grants?.map((g) => g.GrantId), [ids[2]]);
    assert.deepEqual((await kms.send(new ListGrantsCommand({ KeyId: key("paged"), GrantId: "f".repeat(64) }))).Grants, []);
    await expectError(kms.send(new ListGrantsCommand({ KeyId: key("paged"), GrantId: "nope" })), "InvalidGrantIdException");
  });

  test("a made-up marker is InvalidMarkerException; an unknown key is NotFoundException", async () => {
    await expectError(kms.send(new ListGrantsCommand({ KeyId: key("paged"), Marker: "bogus" })), "InvalidMarkerException");
    await expectError(kms.send(new ListGrantsCommand({ KeyId: "00000000-0000-4000-8000-000000000000" })), "NotFoundException");
  });
});

describe("ListRetirableGrants", () => {
  test("lists the grants a principal may retire, across keys, paged", async () => {
    const retiring = userArn("bob");
    const made = [
      (await create("sym", { GranteePrincipal: ALICE, RetiringPrincipal: retiring, Operations: ["Decrypt"] })).GrantId,
      (await create("rsaEnc", { GranteePrincipal: ALICE, RetiringPrincipal: retiring, Operations: ["Decrypt"] })).GrantId,
      (await create("hmac", { GranteePrincipal: ALICE, RetiringPrincipal: retiring, Operations: ["GenerateMac"] })).GrantId,
    ];
    const seen: string[] = [];
    let marker: string | undefined;
    do {
      const r = await kms.send(new ListRetirableGrantsCommand({ RetiringPrincipal: retiring, Limit: 2, ...(marker !== undefined ? { Marker: marker } : {}) }));
      for (const g of r.Grants ?? []) {
        assert.equal(g.RetiringPrincipal, retiring);
        seen.push(g.GrantId ?? "");
      }
      marker = r.Truncated === true ? r.NextMarker : undefined;
    } while (marker !== undefined);
    for (const id of made) assert.ok(seen.includes(id ?? ""), id);
  });

  test("a principal of another account is AccessDeniedException; a malformed ARN is InvalidArnException", async () => {
    const e = await expectError(kms.send(new ListRetirableGrantsCommand({ RetiringPrincipal: userArn("carol", ACCOUNT_B) })), "AccessDeniedException");
    assert.equal(
      e.message,
      `User: ${ROOT_A} is not authorized to perform: kms:ListRetirableGrants on resource: ${userArn("carol", ACCOUNT_B)} because no identity-based policy allows the kms:ListRetirableGrants action`,
    );
    await expectError(kms.send(new ListRetirableGrantsCommand({ RetiringPrincipal: "bob" })), "InvalidArnException");
  });
});

describe("RetireGrant and RevokeGrant", () => {
  test("RetireGrant by grant token deletes the grant", async () => {
    const r = await create("sym", { GranteePrincipal: ALICE, Operations: ["Decrypt"] });
    await kms.send(new RetireGrantCommand({ GrantToken: r.GrantToken }));
    assert.deepEqual((await kms.send(new ListGrantsCommand({ KeyId: key("sym"), GrantId: r.GrantId }))).Grants, []);
  });

  test("RetireGrant by key ARN and grant id deletes the grant", async () => {
    const r = await create("sym", { GranteePrincipal: ALICE, Operations: ["Decrypt"] });
    await kms.send(new RetireGrantCommand({ KeyId: arnOf("sym"), GrantId: r.GrantId }));
    assert.deepEqual((await kms.send(new ListGrantsCommand({ KeyId: key("sym"), GrantId: r.GrantId }))).Grants, []);
  });

  test("RetireGrant needs a token or both key and grant id; malformed ids and tokens are refused", async () => {
    await expectError(kms.send(new RetireGrantCommand({ GrantId: "a".repeat(64) })), "ValidationException");
    await expectError(kms.send(new RetireGrantCommand({ KeyId: key("sym"), GrantId: "short" })), "InvalidGrantIdException");
    await expectError(kms.send(new RetireGrantCommand({ GrantToken: "garbage" })), "InvalidGrantTokenException");
    await expectError(kms.send(new RetireGrantCommand({ KeyId: key("sym"), GrantId: "b".repeat(64) })), "NotFoundException");
  });

  test("RevokeGrant deletes the grant; a malformed id is InvalidGrantIdException", async () => {
    const r = await create("sym", { GranteePrincipal: ALICE, Operations: ["Decrypt"] });
    await kms.send(new RevokeGrantCommand({ KeyId: key("sym"), GrantId: r.GrantId }));
    assert.deepEqual((await kms.send(new ListGrantsCommand({ KeyId: key("sym"), GrantId: r.GrantId }))).Grants, []);
    await expectError(kms.send(new RevokeGrantCommand({ KeyId: key("sym"), GrantId: "x" })), "InvalidGrantIdException");
  });
});
