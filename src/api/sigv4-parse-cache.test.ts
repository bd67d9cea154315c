import { strict as assert } from "node:assert";
import { createHash, createHmac } from "node:crypto";
import { describe, test } from "node:test";
import { SecretBytes } from "../crypto/secret-bytes.js";
import { KmsError } from "../domain/errors.js";
import { SigV4Verifier, deriveSigningKey, type SignedRequest } from "./sigv4.js";

// The verifier remembers the parse of an Authorization header's part before its signature (it is
// the same on every request of a client). These tests pin that nothing else is remembered: every
// request still gets its date, scope and signature checked, and headers of another shape get the
// full parse's answers.

const AKID = "AKIDEXAMPLE";
const SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const HOST = "127.0.0.1:4599";
const TARGET = "TrentService.Encrypt";
const SIGNED = "content-type;host;x-amz-date;x-amz-target";

function amz(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

/** Signs like the AWS CLI (content-type, host, x-amz-date, x-amz-target), scoped to `scopeDay` (default: the date's day). */
function sign(at: number, body: string, opts: { region?: string; scopeDay?: string } = {}): SignedRequest {
  const amzDate = amz(at);
  const day = opts.scopeDay ?? amzDate.slice(0, 8);
  const region = opts.region ?? "us-east-1";
  const canonical =
    `POST\n/\n\ncontent-type:application/x-amz-json-1.1\nhost:${HOST}\nx-amz-date:${amzDate}\nx-amz-target:${TARGET}\n\n` +
    `${SIGNED}\n${createHash("sha256").update(body).digest("hex")}`;
  const scope = `${day}/${region}/kms/aws4_request`;
  const toSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${createHash("sha256").update(canonical).digest("hex")}`;
  const key = deriveSigningKey(Buffer.from(SECRET), day, region, "kms");
  const signature = createHmac("sha256", key).update(toSign).digest("hex");
  return {
    method: "POST",
    url: "/",
    headers: {
      host: HOST,
      "content-type": "application/x-amz-json-1.1",
      "x-amz-date": amzDate,
      "x-amz-target": TARGET,
      authorization: `AWS4-HMAC-SHA256 Credential=${AKID}/${scope}, SignedHeaders=${SIGNED}, Signature=${signature}`,
    },
    body: Buffer.from(body),
  };
}

function withAuthorization(req: SignedRequest, authorization: string): SignedRequest {
  return { ...req, headers: { ...req.headers, authorization } };
}

function verifier(now: () => number): SigV4Verifier {
  const secret = SecretBytes.copyOf(Buffer.from(SECRET));
  return new SigV4Verifier({ now, lookupSecret: (id) => (id === AKID ? secret : undefined) });
}

async function refused(v: SigV4Verifier, req: SignedRequest): Promise<KmsError> {
  try {
    await v.verify(req);
  } catch (e) {
    if (e instanceof KmsError) return e;
    throw e;
  }
  assert.fail("the request was accepted");
}

describe("SigV4 with a remembered Authorization header", () => {
  const NOW = Date.UTC(2026, 11, 1, 12, 0, 0);

  test("every request's signature is checked: after a good request, one with the same header but another signature is refused", async () => {
    const v = verifier(() => NOW);
    const good = sign(NOW, '{"a":1}');
    assert.equal((await v.verify(good)).accessKeyId, AKID);
    assert.equal((await v.verify(sign(NOW, '{"a":2}'))).region, "us-east-1", "another body, its own signature: accepted");
    const auth = good.headers.authorization as string;
    const flipped = auth.slice(0, -1) + (auth.endsWith("0") ? "1" : "0");
    const e = await refused(v, withAuthorization(good, flipped));
    assert.equal(e.code, "InvalidSignatureException");
    const otherBody = { ...good, body: Buffer.from('{"a":3}') };
    assert.equal((await refused(v, otherBody)).code, "InvalidSignatureException", "the body is still bound by the signature");
  });

  test("the date is checked on every request: a remembered credential scope does not match a request dated the next day", async () => {
    const beforeMidnight = Date.UTC(2026, 11, 1, 23, 59, 0);
    let now = beforeMidnight;
    const v = verifier(() => now);
    await v.verify(sign(beforeMidnight, "{}"));
    now = beforeMidnight + 2 * 60_000;
    const e = await refused(v, sign(now, "{}", { scopeDay: "20261201" }));
    assert.equal(e.code, "InvalidSignatureException");
    assert.match(e.message, /^Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20261201' != '20261202'/);
    const stale = sign(NOW - 10 * 60_000, "{}");
    now = NOW;
    assert.match((await refused(v, stale)).message, /^Signature expired/);
  });

  test("a header of another shape after a remembered prefix gets the full parse's answer", async () => {
    const v = verifier(() => NOW);
    const good = sign(NOW, "{}");
    await v.verify(good);
    const auth = good.headers.authorization as string;
    const prefix = auth.slice(0, auth.lastIndexOf("Signature="));
    const extra = await refused(v, withAuthorization(good, `${prefix}Signature=${"a".repeat(50)}, Stray`));
    assert.equal(extra.code, "IncompleteSignatureException");
    assert.match(extra.message, /^'Stray' not a valid key=value pair/);
    const notHex = await refused(v, withAuthorization(good, `${prefix}Signature=${"z".repeat(64)}`));
    assert.equal(notHex.code, "InvalidSignatureException");
    const { "x-amz-date": _date, ...undated } = good.headers;
    const noDate = { ...good, headers: undated };
    const missing = await refused(v, noDate);
    assert.equal(missing.code, "IncompleteSignatureException");
    assert.match(missing.message, /requires existence of either a 'X-Amz-Date' or a 'Date' header/);
  });

  test("a header that was refused is not remembered: the same scope is refused again with the same words", async () => {
    const v = verifier(() => NOW);
    const bad = sign(NOW, "{}", { region: "nowhere" });
    const first = await refused(v, bad);
    const second = await refused(v, sign(NOW, '{"x":1}', { region: "nowhere" }));
    assert.equal(first.code, "InvalidSignatureException");
    assert.equal(second.message, first.message);
    assert.match(second.message, /Credential should be scoped to a valid region/);
  });
});
