import { strict as assert } from "node:assert";
import { createServer, request as httpRequest, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { createHash, createHmac } from "node:crypto";
import { describe, test } from "node:test";
import { Sha256 } from "../../test/support/signed-request.js";
import { SignatureV4, getSigningKey } from "@smithy/signature-v4";
import { SecretBytes } from "../crypto/secret-bytes.js";
import { KmsError, type KmsErrorCode } from "../domain/errors.js";
import { SigV4Verifier, deriveSigningKey, type SignedRequest } from "./sigv4.js";

const AKID = "AKIAIOSFODNN7EXAMPLE";
const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const ROTATED = "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"; // same length as SECRET
const NOW = Date.UTC(2026, 11, 1, 12, 0, 0); // 20261201T120000Z
const MIN = 60_000;
const MISMATCH =
  "The request signature we calculated does not match the signature you provided. " +
  "Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";


interface SignSpec {
  method?: string;
  path?: string;
  query?: Record<string, string | string[]>;
  headers?: Record<string, string>;
  body?: string | Buffer;
  region?: string;
  service?: string;
  accessKeyId?: string;
  secret?: string;
  sessionToken?: string;
  at?: number;
  applyChecksum?: boolean;
  withoutHost?: boolean;
}

function strictEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Signs with @smithy/signature-v4 (the signer of AWS SDK for JavaScript v3) and returns the wire request. */
async function sign(spec: SignSpec = {}): Promise<SignedRequest> {
  const method = spec.method ?? "POST";
  const path = spec.path ?? "/";
  const query = spec.query ?? {};
  const body = spec.body ?? '{"Limit":10}';
  const signer = new SignatureV4({
    service: spec.service ?? "kms",
    region: spec.region ?? "us-east-1",
    credentials: {
      accessKeyId: spec.accessKeyId ?? AKID,
      secretAccessKey: spec.secret ?? SECRET,
      ...(spec.sessionToken === undefined ? {} : { sessionToken: spec.sessionToken }),
    },
    sha256: Sha256,
    applyChecksum: spec.applyChecksum ?? true,
  });
  const baseHeaders: Record<string, string> = spec.withoutHost === true ? {} : { host: "127.0.0.1:4566" };
  const signed = await signer.sign(
    {
      method,
      protocol: "http:",
      hostname: "127.0.0.1",
      port: 4566,
      path,
      query,
      headers: {
        ...baseHeaders,
        "content-type": "application/x-amz-json-1.1",
        "x-amz-target": "TrentService.ListKeys",
        ...spec.headers,
      },
      body,
    },
    { signingDate: new Date(spec.at ?? NOW) },
  );
  const headers: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(signed.headers)) headers[name.toLowerCase()] = value;
  if (headers.host === undefined) headers.host = "127.0.0.1:4566";
  const parts: string[] = [];
  for (const [name, value] of Object.entries(query)) {
    for (const v of Array.isArray(value) ? value : [value]) parts.push(`${strictEncode(name)}=${strictEncode(v)}`);
  }
  return {
    method,
    url: parts.length === 0 ? path : `${path}?${parts.join("&")}`,
    headers,
    body: typeof body === "string" ? Buffer.from(body, "utf8") : body,
  };
}

/** An independent SigV4 signer written from AWS's specification (empty query only). */
function referenceAuthorization(opts: {
  method: string;
  path: string;
  headers: Record<string, string>;
  signed: string[];
  body: Buffer;
  amzDate: string;
  region: string;
  secret: string;
}): string {
  const canonical = [
    opts.method,
    opts.path,
    "",
    ...opts.signed.map((h) => `${h}:${(opts.headers[h] ?? "").trim()}`),
    "",
    opts.signed.join(";"),
    createHash("sha256").update(opts.body).digest("hex"),
  ].join("\n");
  const day = opts.amzDate.slice(0, 8);
  const scope = `${day}/${opts.region}/kms/aws4_request`;
  const toSign = ["AWS4-HMAC-SHA256", opts.amzDate, scope, createHash("sha256").update(canonical).digest("hex")].join(
    "\n",
  );
  let key: Buffer = Buffer.from(`AWS4${opts.secret}`, "utf8");
  for (const part of [day, opts.region, "kms", "aws4_request"]) key = createHmac("sha256", key).update(part).digest();
  const signature = createHmac("sha256", key).update(toSign).digest("hex");
  return `AWS4-HMAC-SHA256 Credential=${AKID}/${scope}, SignedHeaders=${opts.signed.join(";")}, Signature=${signature}`;
}

function secretsOf(entries: Record<string, string>): Map<string, SecretBytes> {
  const m = new Map<string, SecretBytes>();
  for (const [akid, secret] of Object.entries(entries)) m.set(akid, SecretBytes.copyOf(Buffer.from(secret, "utf8")));
  return m;
}

function verifierFor(
  opts: { now?: number; secrets?: Map<string, SecretBytes>; maxCachedKeys?: number; async?: boolean } = {},
): SigV4Verifier {
  const secrets = opts.secrets ?? secretsOf({ [AKID]: SECRET });
  const now = opts.now ?? NOW;
  return new SigV4Verifier({
    lookupSecret: opts.async === true ? (akid) => Promise.resolve(secrets.get(akid)) : (akid) => secrets.get(akid),
    now: () => now,
    ...(opts.maxCachedKeys === undefined ? {} : { maxCachedKeys: opts.maxCachedKeys }),
  });
}

async function rejectsWith(p: Promise<unknown>, code: KmsErrorCode, message?: string | RegExp): Promise<KmsError> {
  let caught: unknown;
  try {
    await p;
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof KmsError, `expected a KmsError, got ${String(caught)}`);
  assert.equal(caught.code, code);
  if (typeof message === "string") assert.equal(caught.message, message);
  else if (message !== undefined) assert.match(caught.message, message);
  assert.ok(!caught.message.includes(SECRET), "the message must not contain the secret");
  return caught;
}

function authOf(req: SignedRequest): string {
  const auth = req.headers.authorization;
  assert.ok(typeof auth === "string");
  return auth;
}

function withHeaders(req: SignedRequest, changes: Record<string, string | undefined>): SignedRequest {
  const headers: IncomingHttpHeaders = { ...req.headers };
  for (const [name, value] of Object.entries(changes)) {
    if (value === undefined) delete headers[name];
    else headers[name] = value;
  }
  return { ...req, headers };
}

describe("SigV4Verifier accepts correctly signed requests", () => {
  test("accepts an AWS SDK v3 shaped request signed by @smithy/signature-v4 and returns key, region and date", async () => {
    const req = await sign({
      headers: {
        "content-length": "12",
        "amz-sdk-invocation-id": "0b8f3a8e-5d2b-4c4e-9d1e-2f3a4b5c6d7e",
        "amz-sdk-request": "attempt=1; max=1",
        "x-amz-user-agent": "aws-sdk-js/3.1162.0",
        "user-agent": "aws-sdk-js/3.1162.0 ua/2.1 os/linux",
      },
    });
    assert.match(
      authOf(req),
      /SignedHeaders=amz-sdk-invocation-id;amz-sdk-request;content-length;content-type;host;x-amz-content-sha256;x-amz-date;x-amz-target;x-amz-user-agent,/,
    );
    const caller = await verifierFor().verify(req);
    assert.deepEqual(caller, { accessKeyId: AKID, region: "us-east-1", date: "20261201" });
  });

  test("accepts an AWS CLI v2 shaped request: content-type;host;x-amz-date;x-amz-target signed, no x-amz-content-sha256", async () => {
    const signed = await sign({ applyChecksum: false, body: "{}" });
    assert.equal(signed.headers["x-amz-content-sha256"], undefined);
    assert.match(authOf(signed), /SignedHeaders=content-type;host;x-amz-date;x-amz-target,/);
    const req = withHeaders(signed, {
      "accept-encoding": "identity",
      "user-agent": "aws-cli/2.9.19 Python/3.11.2 Linux/6.1 source/x86_64.debian.12 command/kms.list-keys",
      "content-length": "2",
    });
    assert.equal((await verifierFor().verify(req)).accessKeyId, AKID);
  });

  test("accepts a request whose body holds non-ASCII UTF-8 (encryption context)", async () => {
    const body = JSON.stringify({
      KeyId: "alias/app",
      Plaintext: "aGVsbG8=",
      EncryptionContext: { région: "Île-de-France", 都市: "東京", emoji: "🔑" },
    });
    const req = await sign({ body, headers: { "x-amz-target": "TrentService.Encrypt" } });
    assert.notEqual(req.body.length, body.length);
    await verifierFor().verify(req);
  });

  test("an unsigned extra header (amz-sdk-request as AWS CLI v1 sends it) does not break verification", async () => {
    const signed = await sign({ applyChecksum: false });
    const req = withHeaders(signed, {
      "amz-sdk-invocation-id": "9c1b2a3d-0000-4000-8000-000000000000",
      "amz-sdk-request": "attempt=1",
      "x-amzn-trace-id": "Root=1-00000000-000000000000000000000000",
    });
    await verifierFor().verify(req);
  });

  test("accepts an empty body", async () => {
    await verifierFor().verify(await sign({ body: "" }));
  });

  test("accepts any syntactically valid region and returns it", async () => {
    for (const region of ["eu-central-2", "us-gov-west-1", "cn-north-1", "ap-southeast-5", "eusc-de-east-1"]) {
      const caller = await verifierFor().verify(await sign({ region }));
      assert.equal(caller.region, region);
    }
  });

  test("accepts an asynchronous secret lookup", async () => {
    await verifierFor({ async: true }).verify(await sign());
  });

  test("canonicalises an encoded path and a query with repeated, reserved and unsorted parameters as the SDK does", async () => {
    const req = await sign({
      method: "GET",
      path: "/a%20b/c%2Fd/",
      query: { zeta: "1", b: ["2", "1"], a: "x y", "c~": "*()!'", "a-b": "" },
      body: "",
    });
    assert.match(req.url, /^\/a%20b\/c%2Fd\/\?/);
    await verifierFor().verify(req);
  });

  test("collapses runs of spaces and tabs in a signed header value as the SDK signer does", async () => {
    const signed = await sign({ headers: { "x-custom": "a   b\tc" } });
    await verifierFor().verify(withHeaders(signed, { "x-custom": "  a   b\tc " }));
  });

  test("joins a repeated signed header with ',' when headersDistinct is given", async () => {
    const signed = await sign({ headers: { "x-custom": "one,two" } });
    const req: SignedRequest = {
      ...withHeaders(signed, { "x-custom": "one, two" }),
      headersDistinct: { "x-custom": ["one", "two"] },
    };
    await verifierFor().verify(req);
  });

  test("verifies a request as node:http delivers it, with UTF-8 bytes in a signed header and repeated headers", async () => {
    const secrets = secretsOf({ [AKID]: SECRET });
    const verifier = new SigV4Verifier({ lookupSecret: (akid) => secrets.get(akid) }); // real clock
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const signed: SignedRequest = {
          method: req.method ?? "",
          url: req.url ?? "",
          headers: req.headers,
          headersDistinct: req.headersDistinct,
          body: Buffer.concat(chunks),
        };
        verifier.verify(signed).then(
          (caller) => res.end(JSON.stringify(caller)),
          (e: unknown) => res.end(JSON.stringify({ error: e instanceof KmsError ? e.code : String(e) })),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const body = '{"KeyId":"alias/caf\u00e9","EncryptionContext":{"\u6771\u4eac":"\ud83d\udd11"}}';
      const signer = new SignatureV4({
        service: "kms",
        region: "ap-northeast-1",
        credentials: { accessKeyId: AKID, secretAccessKey: SECRET },
        sha256: Sha256,
      });
      const signed = await signer.sign(
        {
          method: "POST",
          protocol: "http:",
          hostname: "127.0.0.1",
          port,
          path: "/",
          headers: {
            host: `127.0.0.1:${port}`,
            "content-type": "application/x-amz-json-1.1",
            "x-amz-target": "TrentService.Encrypt",
            "x-custom-note": "café crème",
            "x-repeated": "one,two",
          },
          body,
        },
        { signingDate: new Date() },
      );
      // Node's client writes header values as UTF-8 and its server reads them back as latin1
      // ("cafÃ©"); the header is sent as two fields.
      const outgoing: Array<[string, string | string[]]> = Object.entries(signed.headers).map(([k, v]) =>
        k === "x-repeated" ? [k, ["one", "two"]] : [k, v],
      );
      const answer = await new Promise<string>((resolve, reject) => {
        const r = httpRequest({ host: "127.0.0.1", port, method: "POST", path: "/", headers: Object.fromEntries(outgoing) });
        r.on("response", (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (c: string) => (text += c));
          res.on("end", () => resolve(text));
        });
        r.on("error", reject);
        r.end(body);
      });
      assert.deepEqual(JSON.parse(answer), {
        accessKeyId: AKID,
        region: "ap-northeast-1",
        date: new Date().toISOString().slice(0, 10).replaceAll("-", ""),
      });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  test("accepts an independently computed signature, and the Date header when x-amz-date is absent", async () => {
    const body = Buffer.from('{"KeyId":"alias/x"}');
    const headers: Record<string, string> = {
      "content-type": "application/x-amz-json-1.1",
      date: "20261201T115900Z",
      host: "kms.local:4566",
      "x-amz-target": "TrentService.DescribeKey",
    };
    const authorization = referenceAuthorization({
      method: "POST",
      path: "/",
      headers,
      signed: ["content-type", "date", "host", "x-amz-target"],
      body,
      amzDate: "20261201T115900Z",
      region: "eu-west-3",
      secret: SECRET,
    });
    const caller = await verifierFor().verify({ method: "POST", url: "/", headers: { ...headers, authorization }, body });
    assert.deepEqual(caller, { accessKeyId: AKID, region: "eu-west-3", date: "20261201" });
  });

  test("ignores trailing slashes after the credential scope", async () => {
    const req = await sign();
    await verifierFor().verify(withHeaders(req, { authorization: authOf(req).replace("aws4_request,", "aws4_request//,") }));
  });

  test("accepts a request exactly 5 minutes old or 5 minutes ahead", async () => {
    await verifierFor().verify(await sign({ at: NOW - 5 * MIN }));
    await verifierFor().verify(await sign({ at: NOW + 5 * MIN }));
    await verifierFor({ now: NOW + 999 }).verify(await sign({ at: NOW - 5 * MIN }));
  });
});

describe("SigV4Verifier rejects bad signatures with AWS's errors", () => {
  test("rejects a request signed with the wrong secret, without echoing the correct signature", async () => {
    const good = await sign();
    const bad = await sign({ secret: "not-the-secret-access-key-of-this-akid" });
    const goodSignature = /Signature=([0-9a-f]{64})/.exec(authOf(good))?.[1];
    assert.ok(goodSignature !== undefined);
    const e = await rejectsWith(verifierFor().verify(bad), "InvalidSignatureException", MISMATCH);
    assert.equal(e.status, 400);
    assert.ok(!e.message.includes(goodSignature));
  });

  test("rejects a tampered body", async () => {
    const req = await sign({ applyChecksum: false, body: '{"KeyId":"alias/a"}' });
    await rejectsWith(
      verifierFor().verify({ ...req, body: Buffer.from('{"KeyId":"alias/b"}') }),
      "InvalidSignatureException",
      MISMATCH,
    );
  });

  test("rejects a tampered signed header", async () => {
    const req = await sign();
    await rejectsWith(
      verifierFor().verify(withHeaders(req, { "x-amz-target": "TrentService.ScheduleKeyDeletion" })),
      "InvalidSignatureException",
      MISMATCH,
    );
  });

  test("rejects a tampered method, path or query", async () => {
    const req = await sign({ query: { a: "1" } });
    for (const changed of [{ ...req, method: "PUT" }, { ...req, url: "/x?a=1" }, { ...req, url: "/?a=2" }]) {
      await rejectsWith(verifierFor().verify(changed), "InvalidSignatureException", MISMATCH);
    }
  });

  test("rejects an x-amz-content-sha256 that differs from the body even when the signature covers it", async () => {
    const other = createHash("sha256").update("something else").digest("hex");
    const req = await sign({ headers: { "x-amz-content-sha256": other } });
    assert.equal(req.headers["x-amz-content-sha256"], other);
    await rejectsWith(verifierFor().verify(req), "InvalidSignatureException", MISMATCH);
    const unsigned = await sign({ headers: { "x-amz-content-sha256": "UNSIGNED-PAYLOAD" } });
    await rejectsWith(verifierFor().verify(unsigned), "InvalidSignatureException", MISMATCH);
  });

  test("rejects a malformed signature value", async () => {
    const req = await sign();
    const auth = authOf(req);
    for (const sig of ["abc", "Z".repeat(64), (/Signature=(\w+)/.exec(auth)?.[1] ?? "").toUpperCase()]) {
      const changed = withHeaders(req, { authorization: auth.replace(/Signature=\w+/, `Signature=${sig}`) });
      await rejectsWith(verifierFor().verify(changed), "InvalidSignatureException", MISMATCH);
    }
  });

  test("rejects a request whose SignedHeaders omit host", async () => {
    const req = await sign({ withoutHost: true });
    assert.doesNotMatch(authOf(req), /host/);
    await rejectsWith(
      verifierFor().verify(req),
      "InvalidSignatureException",
      "'Host' must be a 'SignedHeader' in the AWS Authorization.",
    );
  });

  test("rejects a credential scoped to another service", async () => {
    await rejectsWith(
      verifierFor().verify(await sign({ service: "dynamodb" })),
      "InvalidSignatureException",
      "Credential should be scoped to correct service: 'kms'. ",
    );
  });

  test("rejects a credential scoped to a region that is not a valid region name", async () => {
    for (const region of ["nowhere", "US-EAST-1", "us-east", "us_east_1"]) {
      await rejectsWith(
        verifierFor().verify(await sign({ region })),
        "InvalidSignatureException",
        "Credential should be scoped to a valid region. ",
      );
    }
    await rejectsWith(
      verifierFor().verify(await sign({ region: "nowhere", service: "s3" })),
      "InvalidSignatureException",
      "Credential should be scoped to a valid region. Credential should be scoped to correct service: 'kms'. ",
    );
  });

  test("rejects a credential scope with the wrong terminator", async () => {
    const req = await sign();
    const changed = withHeaders(req, { authorization: authOf(req).replace("/aws4_request", "/aws5_request") });
    await rejectsWith(
      verifierFor().verify(changed),
      "InvalidSignatureException",
      "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'. ",
    );
  });

  test("rejects a credential scope date that differs from the request date", async () => {
    const req = await sign({ at: Date.UTC(2026, 11, 1, 23, 59, 0) });
    const changed = withHeaders(req, { "x-amz-date": "20261202T000100Z" });
    await rejectsWith(
      verifierFor({ now: Date.UTC(2026, 11, 2, 0, 0, 0) }).verify(changed),
      "InvalidSignatureException",
      "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: " +
        "'20261201' != '20261202', from '20261202T000100Z'.",
    );
  });

  test("rejects an expired request with AWS's message", async () => {
    await rejectsWith(
      verifierFor().verify(await sign({ at: NOW - 15 * MIN })),
      "InvalidSignatureException",
      "Signature expired: 20261201T114500Z is now earlier than 20261201T115500Z (20261201T120000Z - 5 min.)",
    );
    await rejectsWith(
      verifierFor().verify(await sign({ at: NOW - 5 * MIN - 1000 })),
      "InvalidSignatureException",
      /^Signature expired: 20261201T115459Z /,
    );
  });

  test("rejects a request from too far in the future with AWS's message", async () => {
    await rejectsWith(
      verifierFor().verify(await sign({ at: NOW + 10 * MIN })),
      "InvalidSignatureException",
      "Signature not yet current: 20261201T121000Z is still later than 20261201T120500Z (20261201T120000Z + 5 min.)",
    );
    await rejectsWith(
      verifierFor().verify(await sign({ at: NOW + 5 * MIN + 1000 })),
      "InvalidSignatureException",
      /^Signature not yet current: 20261201T120501Z /,
    );
  });

  test("rejects an unknown access key", async () => {
    await rejectsWith(
      verifierFor().verify(await sign({ accessKeyId: "AKIAUNKNOWNKEY000000" })),
      "UnrecognizedClientException",
      "The security token included in the request is invalid.",
    );
  });

  test("hands the session token to checkToken, which decides; accepts the request when it returns", async () => {
    const seen: Array<[string, string | undefined]> = [];
    const secrets = secretsOf({ [AKID]: SECRET });
    const verifier = new SigV4Verifier({
      lookupSecret: (akid) => secrets.get(akid),
      now: () => NOW,
      checkToken: (akid, token) => {
        seen.push([akid, token]);
        if (token !== "good-token") throw new KmsError("ExpiredTokenException", "The security token included in the request is expired");
      },
    });
    assert.equal((await verifier.verify(await sign({ sessionToken: "good-token" }))).accessKeyId, AKID);
    await rejectsWith(verifier.verify(await sign({ sessionToken: "old-token" })), "ExpiredTokenException");
    await rejectsWith(verifier.verify(await sign()), "ExpiredTokenException");
    assert.deepEqual(seen, [[AKID, "good-token"], [AKID, "old-token"], [AKID, undefined]]);
  });

  test("rejects a request carrying a session token when no checkToken is given", async () => {
    const req = await sign({ sessionToken: "FwoGZXIvYXdzEXAMPLE" });
    assert.equal(req.headers["x-amz-security-token"], "FwoGZXIvYXdzEXAMPLE");
    await rejectsWith(
      verifierFor().verify(req),
      "UnrecognizedClientException",
      "The security token included in the request is invalid.",
    );
  });
});

describe("SigV4Verifier rejects missing and malformed authentication", () => {
  test("rejects a request without an Authorization header", async () => {
    const req = withHeaders(await sign(), { authorization: undefined });
    await rejectsWith(verifierFor().verify(req), "MissingAuthenticationTokenException", "Missing Authentication Token");
  });

  test("treats an Authorization header of another scheme as missing", async () => {
    const req = await sign();
    for (const authorization of ["Bearer abc", "AWS4", "AWS AKIAIOSFODNN7EXAMPLE:c2lnbmF0dXJl", ""]) {
      await rejectsWith(
        verifierFor().verify(withHeaders(req, { authorization })),
        "MissingAuthenticationTokenException",
        "Missing Authentication Token",
      );
    }
  });

  test("lists every missing part of a bare 'AWS4-' header, as AWS does", async () => {
    const req = withHeaders(await sign(), { authorization: "AWS4-", "x-amz-date": undefined });
    await rejectsWith(
      verifierFor().verify(req),
      "IncompleteSignatureException",
      "Authorization header requires 'Credential' parameter. " +
        "Authorization header requires 'Signature' parameter. " +
        "Authorization header requires 'SignedHeaders' parameter. " +
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. " +
        "Authorization=AWS4-",
    );
  });

  test("rejects a header without a Signature parameter", async () => {
    const req = await sign();
    const auth = authOf(req).replace(/, Signature=\w+/, "");
    await rejectsWith(
      verifierFor().verify(withHeaders(req, { authorization: auth })),
      "IncompleteSignatureException",
      `Authorization header requires 'Signature' parameter. Authorization=${auth}`,
    );
  });

  test("rejects a complete header when neither X-Amz-Date nor Date is present", async () => {
    const req = await sign();
    await rejectsWith(
      verifierFor().verify(withHeaders(req, { "x-amz-date": undefined })),
      "IncompleteSignatureException",
      `Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=${authOf(req)}`,
    );
  });

  test("rejects a parameter without an equal sign", async () => {
    const req = await sign();
    const auth = authOf(req).replace(/SignedHeaders=[^,]+/, "SignedHeaders");
    await rejectsWith(
      verifierFor().verify(withHeaders(req, { authorization: auth })),
      "IncompleteSignatureException",
      `'SignedHeaders' not a valid key=value pair (missing equal-sign) in Authorization header: '${auth}'.`,
    );
  });

  test("rejects a date that is not ISO-8601 basic format", async () => {
    const req = await sign();
    for (const date of ["2026-12-01T12:00:00Z", "20261201T120000", "20260231T120000Z", "20261201T250000Z"]) {
      await rejectsWith(
        verifierFor().verify(withHeaders(req, { "x-amz-date": date })),
        "IncompleteSignatureException",
        `Date must be in ISO-8601 'basic format'. Got '${date}'. See http://en.wikipedia.org/wiki/ISO_8601`,
      );
    }
  });

  test("rejects an unsupported algorithm", async () => {
    const req = await sign();
    const auth = authOf(req).replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512");
    await rejectsWith(
      verifierFor().verify(withHeaders(req, { authorization: auth })),
      "IncompleteSignatureException",
      "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512' (only AWS4-HMAC-SHA256 for now). ",
    );
  });

  test("rejects a credential without exactly five elements", async () => {
    const req = await sign();
    const auth = authOf(req).replace("/kms/aws4_request", "/kms");
    await rejectsWith(
      verifierFor().verify(withHeaders(req, { authorization: auth })),
      "IncompleteSignatureException",
      `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${AKID}/20261201/us-east-1/kms'`,
    );
  });
});

describe("SigV4Verifier signing-key cache", () => {
  test("derives the same signing key as @smithy/signature-v4", async () => {
    const ours = deriveSigningKey(Buffer.from(SECRET), "20261201", "eu-west-1", "kms");
    const theirs = await getSigningKey(
      Sha256,
      { accessKeyId: AKID, secretAccessKey: SECRET },
      "20261201",
      "eu-west-1",
      "kms",
    );
    assert.deepEqual(ours, Buffer.from(theirs));
  });

  test("a cached signing key gives the same verdicts as a fresh derivation", async () => {
    const shared = verifierFor();
    const requests = [await sign(), await sign({ body: '{"Limit":1}' }), await sign({ at: NOW + MIN })];
    const forged = await sign({ secret: ROTATED });
    for (const req of requests) {
      assert.deepEqual(await shared.verify(req), await verifierFor().verify(req));
      assert.deepEqual(await shared.verify(req), await verifierFor().verify(req));
    }
    await rejectsWith(shared.verify(forged), "InvalidSignatureException", MISMATCH);
  });

  test("a deleted access key is refused even while its signing key is cached", async () => {
    const secrets = secretsOf({ [AKID]: SECRET });
    const v = verifierFor({ secrets });
    const req = await sign();
    await v.verify(req);
    secrets.delete(AKID);
    await rejectsWith(v.verify(req), "UnrecognizedClientException");
  });

  test("a secret replaced by a new SecretBytes takes effect without forget", async () => {
    const secrets = secretsOf({ [AKID]: SECRET });
    const v = verifierFor({ secrets });
    const old = await sign();
    await v.verify(old);
    secrets.set(AKID, SecretBytes.copyOf(Buffer.from(ROTATED)));
    await rejectsWith(v.verify(old), "InvalidSignatureException", MISMATCH);
    await v.verify(await sign({ secret: ROTATED }));
  });

  test("forget drops the cached signing keys of that access key only", async () => {
    const secrets = secretsOf({ [AKID]: SECRET, AKIAOTHERKEY00000000: SECRET });
    const v = verifierFor({ secrets });
    await v.verify(await sign());
    await v.verify(await sign({ accessKeyId: "AKIAOTHERKEY00000000" }));
    // Change both secrets in place (same objects): only a re-derivation can notice.
    for (const s of secrets.values()) s.expose().write(ROTATED, "utf8");
    const rotated = await sign({ secret: ROTATED });
    const otherRotated = await sign({ secret: ROTATED, accessKeyId: "AKIAOTHERKEY00000000" });
    await rejectsWith(v.verify(rotated), "InvalidSignatureException", MISMATCH);
    v.forget(AKID);
    await v.verify(rotated);
    await rejectsWith(v.verify(otherRotated), "InvalidSignatureException", MISMATCH);
  });

  test("the cache is bounded and evicts its oldest entry first", async () => {
    const secrets = secretsOf({ [AKID]: SECRET });
    const v = verifierFor({ secrets, maxCachedKeys: 2 });
    for (const region of ["us-east-1", "us-west-2", "eu-west-1"]) await v.verify(await sign({ region }));
    for (const s of secrets.values()) s.expose().write(ROTATED, "utf8");
    await v.verify(await sign({ region: "us-east-1", secret: ROTATED })); // evicted, so derived afresh
    await rejectsWith(
      v.verify(await sign({ region: "eu-west-1", secret: ROTATED })), // still cached from the old secret
      "InvalidSignatureException",
      MISMATCH,
    );
  });
});
