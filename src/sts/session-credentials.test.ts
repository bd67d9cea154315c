import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { KmsError } from "../domain/errors.js";
import { SoftwareKeystore } from "../keystore/software-keystore.js";
import { MemoryStore } from "../store/memory-store.js";
import { SESSION_KEY_ID, SessionCredentials } from "./session-credentials.js";

const BASE = { accountId: "111122223333", roleArn: "arn:aws:iam::111122223333:role/R", roleId: "AROAEXAMPLEEXAMPLE123", sessionName: "s", sessionArn: "arn:aws:sts::111122223333:assumed-role/R/s" };

async function code(f: () => void | Promise<void>): Promise<string | undefined> {
  try {
    await f();
    return undefined;
  } catch (e) {
    return e instanceof KmsError ? e.code : "other";
  }
}

function make(now: () => number, opts: { maxSessions?: number; ttlMs?: number } = {}) {
  const store = new MemoryStore();
  const keystore = SoftwareKeystore.ephemeral();
  return { store, keystore, s: new SessionCredentials({ store, keystore, now, ...opts }) };
}

describe("SessionCredentials", () => {
  test("issues ASIA key ids, a random secret and a token of at least 32 bytes, expiring after the duration", async () => {
    let now = 1_700_000_000_500;
    const { s } = make(() => now);
    const a = await s.issue(BASE, 900);
    const b = await s.issue(BASE, 900);
    assert.match(a.session.accessKeyId, SESSION_KEY_ID);
    assert.notEqual(a.session.accessKeyId, b.session.accessKeyId);
    assert.notEqual(a.secretAccessKey, b.secretAccessKey);
    assert.ok(Buffer.from(a.sessionToken, "base64").length >= 32);
    assert.equal(a.session.expiresAt, 1_700_000_000_000 + 900_000);
    assert.equal((await s.secret(a.session.accessKeyId))?.expose().toString(), a.secretAccessKey);
    now += 900_000;
    assert.equal(await s.secret(a.session.accessKeyId), undefined);
    assert.equal(await s.session(a.session.accessKeyId), undefined);
  });

  test("stores the session before returning it: the secret wrapped, the token only as its SHA-256", async () => {
    const { s, store } = make(() => 1_000_000);
    const a = await s.issue(BASE, 900);
    const r = await store.getRoleSession(a.session.accessKeyId);
    assert.ok(r);
    assert.equal(r.roleArn, BASE.roleArn);
    assert.equal(r.expiresAt, a.session.expiresAt);
    assert.equal(r.tokenHash.length, 32);
    assert.ok(!r.secret.blob.includes(Buffer.from(a.secretAccessKey)));
    assert.ok(!r.tokenHash.equals(Buffer.from(a.sessionToken, "base64").subarray(0, 32)));
  });

  test("another instance on the same store and keystore finds the session; a deleted one disappears after the TTL", async () => {
    let now = 1_000_000;
    const { s, store, keystore } = make(() => now);
    const other = new SessionCredentials({ store, keystore, now: () => now, ttlMs: 1_000 });
    const a = await s.issue(BASE, 900);
    const id = a.session.accessKeyId;
    assert.equal(await code(() => other.checkToken(id, a.sessionToken)), undefined);
    assert.equal((await other.secret(id))?.expose().toString(), a.secretAccessKey);
    assert.equal((await other.session(id))?.sessionArn, BASE.sessionArn);
    await store.deleteRoleSessionsOf(BASE.roleArn);
    assert.ok(await other.session(id)); // still cached
    now += 1_000;
    assert.equal(await other.session(id), undefined);
    assert.equal(await code(() => other.checkToken(id, a.sessionToken)), "UnrecognizedClientException");
  });

  test("checkToken: the session's own token only, before expiry; long-term keys take none", async () => {
    let now = 1_000_000;
    const { s } = make(() => now);
    const a = await s.issue(BASE, 900);
    const b = await s.issue(BASE, 900);
    const id = a.session.accessKeyId;
    assert.equal(await code(() => s.checkToken(id, a.sessionToken)), undefined);
    assert.equal(await code(() => s.checkToken(id, undefined)), "UnrecognizedClientException");
    assert.equal(await code(() => s.checkToken(id, b.sessionToken)), "UnrecognizedClientException");
    assert.equal(await code(() => s.checkToken("ASIAAAAAAAAAAAAAAAAA", a.sessionToken)), "UnrecognizedClientException");
    assert.equal(await code(() => s.checkToken("AKIAEXAMPLE", undefined)), undefined);
    assert.equal(await code(() => s.checkToken("AKIAEXAMPLE", a.sessionToken)), "UnrecognizedClientException");
    now += 900_000;
    assert.equal(await code(() => s.checkToken(id, a.sessionToken)), "ExpiredTokenException");
    assert.equal(await code(() => s.checkToken(id, b.sessionToken)), "UnrecognizedClientException");
  });

  test("the cache is bounded (the oldest goes first); evicted sessions are read back from the store", async () => {
    const { s } = make(() => 0, { maxSessions: 2 });
    const a = await s.issue(BASE, 900);
    await s.issue(BASE, 3600);
    await s.issue(BASE, 3600);
    assert.equal(s.size, 2);
    assert.equal((await s.session(a.session.accessKeyId))?.accessKeyId, a.session.accessKeyId);
    assert.equal(s.size, 2);
    s.clear();
    assert.equal(s.size, 0);
  });
});
