import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { KmsError } from "../domain/errors.js";
import { SESSION_KEY_ID, SessionCredentials } from "./session-credentials.js";

const BASE = { accountId: "111122223333", roleArn: "arn:aws:iam::111122223333:role/R", roleId: "AROAEXAMPLEEXAMPLE123", sessionName: "s", sessionArn: "arn:aws:sts::111122223333:assumed-role/R/s" };

function code(f: () => void): string | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    return e instanceof KmsError ? e.code : "other";
  }
}

describe("SessionCredentials", () => {
  test("issues ASIA key ids, a random secret and a token of at least 32 bytes, expiring after the duration", () => {
    let now = 1_700_000_000_500;
    const s = new SessionCredentials({ now: () => now });
    const a = s.issue(BASE, 900);
    const b = s.issue(BASE, 900);
    assert.match(a.session.accessKeyId, SESSION_KEY_ID);
    assert.notEqual(a.session.accessKeyId, b.session.accessKeyId);
    assert.notEqual(a.secretAccessKey, b.secretAccessKey);
    assert.ok(Buffer.from(a.sessionToken, "base64").length >= 32);
    assert.equal(a.session.expiresAt, 1_700_000_000_000 + 900_000);
    assert.equal(s.secret(a.session.accessKeyId)?.expose().toString(), a.secretAccessKey);
    now += 900_000;
    assert.equal(s.secret(a.session.accessKeyId), undefined);
    assert.equal(s.session(a.session.accessKeyId), undefined);
  });

  test("checkToken: the session's own token only, before expiry; long-term keys take none", () => {
    let now = 1_000_000;
    const s = new SessionCredentials({ now: () => now });
    const a = s.issue(BASE, 900);
    const b = s.issue(BASE, 900);
    const id = a.session.accessKeyId;
    assert.equal(code(() => s.checkToken(id, a.sessionToken)), undefined);
    assert.equal(code(() => s.checkToken(id, undefined)), "UnrecognizedClientException");
    assert.equal(code(() => s.checkToken(id, b.sessionToken)), "UnrecognizedClientException");
    assert.equal(code(() => s.checkToken("ASIAAAAAAAAAAAAAAAAA", a.sessionToken)), "UnrecognizedClientException");
    assert.equal(code(() => s.checkToken("AKIAEXAMPLE", undefined)), undefined);
    assert.equal(code(() => s.checkToken("AKIAEXAMPLE", a.sessionToken)), "UnrecognizedClientException");
    now += 900_000;
    assert.equal(code(() => s.checkToken(id, a.sessionToken)), "ExpiredTokenException");
    assert.equal(code(() => s.checkToken(id, b.sessionToken)), "UnrecognizedClientException");
  });

  test("is bounded: expired sessions go first, then the oldest", () => {
    let now = 0;
    const s = new SessionCredentials({ now: () => now, maxSessions: 2 });
    const a = s.issue(BASE, 900);
    now = 1000;
    const b = s.issue(BASE, 3600);
    now = 901_000; // a expired
    const c = s.issue(BASE, 3600);
    assert.equal(s.size, 2);
    assert.equal(s.session(a.session.accessKeyId), undefined);
    assert.ok(s.session(b.session.accessKeyId));
    s.issue(BASE, 3600);
    assert.equal(s.size, 2);
    assert.equal(s.session(b.session.accessKeyId), undefined);
    assert.ok(s.session(c.session.accessKeyId));
    s.clear();
    assert.equal(s.size, 0);
  });
});
