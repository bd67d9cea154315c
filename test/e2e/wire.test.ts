/**
 * The protocol layer over raw HTTP (global fetch): AWS JSON 1.1 on POST /, X-Amz-Target dispatch,
 * SigV4 (requests signed with @smithy/signature-v4, the SDK's own signer), error bodies and status
 * codes, and UnsupportedOperationException for every operation Trent lists as not implemented.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { MAX_BODY_BYTES } from "../../src/api/http-server.js";
import { NOT_IMPLEMENTED } from "../../src/ops/registry.js";
import { DEV_ACCOUNT, startTrent, type Harness } from "../support/harness.js";
import { signedHeaders } from "../support/signed-request.js";

let h: Harness;
let url: URL;

before(async () => {
  h = await startTrent();
  url = new URL(h.endpoint);
});
after(async () => h.stop());

interface WireRequest {
  /** Operation name; `null` sends no X-Amz-Target header. */
  readonly op?: string | null;
  readonly target?: string;
  readonly body?: string | Buffer;
  readonly method?: string;
  readonly contentType?: string | null;
  readonly region?: string;
  readonly accessKeyId?: string;
  readonly secret?: string;
  /** Signing time in epoch ms (default now). */
  readonly at?: number;
  /** Send without any Authorization header. */
  readonly unsigned?: boolean;
}

interface WireResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

/** One HTTP request to Trent, signed by @smithy/signature-v4 unless `unsigned`. */
async function call(req: WireRequest = {}): Promise<WireResponse> {
  const method = req.method ?? "POST";
  const body = method === "GET" ? undefined : (req.body ?? "{}");
  const headers: Record<string, string> = { host: url.host };
  if (req.contentType !== null) headers["content-type"] = req.contentType ?? "application/x-amz-json-1.1";
  const target = req.target ?? (req.op === null ? undefined : `TrentService.${req.op ?? "ListKeys"}`);
  if (target !== undefined) headers["x-amz-target"] = target;
  const sent =
    req.unsigned === true
      ? headers
      : await signedHeaders(url, { method, headers, body, region: req.region, accessKeyId: req.accessKeyId, secret: req.secret, at: req.at });
  // fetch sends the same Host itself (url.host), which is what was signed.
  delete sent["host"];
  const res = await fetch(new URL("/", url), { method, headers: sent, ...(body === undefined ? {} : { body }) });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** Parses an error response and checks its shape: exactly {"__type", "message"}. */
function errorOf(res: WireResponse): { type: string; message: string } {
  const body = JSON.parse(res.text) as Record<string, unknown>;
  assert.deepEqual(Object.keys(body).sort(), ["__type", "message"], `error body ${res.text}`);
  assert.equal(typeof body["__type"], "string");
  assert.equal(typeof body["message"], "string");
  return { type: body["__type"] as string, message: body["message"] as string };
}

function assertError(res: WireResponse, status: number, type: string, message?: string | RegExp): void {
  const e = errorOf(res);
  assert.equal(e.type, type, `__type (body ${res.text})`);
  assert.equal(res.status, status, `status for ${type}`);
  if (typeof message === "string") assert.equal(e.message, message);
  else if (message !== undefined) assert.match(e.message, message);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SIGNATURE_MISMATCH =
  "The request signature we calculated does not match the signature you provided. " +
  "Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

describe("a signed request", () => {
  test("is answered 200 with an AWS JSON 1.1 body and an x-amzn-RequestId", async () => {
    const res = await call({ op: "ListKeys", body: '{"Limit":5}' });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/x-amz-json-1.1");
    assert.match(res.headers.get("x-amzn-requestid") ?? "", UUID);
    const body = JSON.parse(res.text) as { Keys?: unknown[]; Truncated?: boolean };
    assert.ok(Array.isArray(body.Keys));
    assert.equal(body.Truncated, false);
  });

  test("an empty body counts as {}", async () => {
    const res = await call({ op: "ListKeys", body: "" });
    assert.equal(res.status, 200);
  });

  test("each response carries its own request id, errors included", async () => {
    const ok1 = await call({ op: "ListKeys" });
    const ok2 = await call({ op: "ListKeys" });
    const bad = await call({ op: "DescribeKey", body: '{"KeyId":"00000000-0000-4000-8000-000000000001"}' });
    assertError(bad, 400, "NotFoundException", `Key 'arn:aws:kms:us-east-1:${DEV_ACCOUNT}:key/00000000-0000-4000-8000-000000000001' does not exist`);
    const ids = [ok1, ok2, bad].map((r) => r.headers.get("x-amzn-requestid") ?? "");
    for (const id of ids) assert.match(id, UUID);
    assert.equal(new Set(ids).size, 3);
    assert.equal(bad.headers.get("content-type"), "application/x-amz-json-1.1");
  });

  test("application/x-amz-json-1.0 and application/json are accepted as JSON bodies", async () => {
    for (const contentType of ["application/x-amz-json-1.0", "application/json", "application/x-amz-json-1.1; charset=utf-8"]) {
      const res = await call({ op: "ListKeys", contentType });
      assert.equal(res.status, 200, contentType);
    }
  });
});

describe("dispatch and decoding errors", () => {
  test("an unknown X-Amz-Target is UnknownOperationException (400)", async () => {
    for (const target of ["TrentService.NoSuchOperation", "TrentService.listKeys", "KMS.ListKeys", "TrentService.", "ListKeys"]) {
      const res = await call({ target });
      assertError(res, 400, "UnknownOperationException");
      assert.match(res.headers.get("x-amzn-requestid") ?? "", UUID);
    }
  });

  test("a request without X-Amz-Target is UnknownOperationException (400)", async () => {
    assertError(await call({ op: null }), 400, "UnknownOperationException");
  });

  test(
    "GET / is 404 UnknownOperationException, as AWS's JSON services answer it",

    async () => {
      const res = await call({ method: "GET", op: null, unsigned: true });
      assert.equal(res.status, 404);
      assert.match(res.text, /UnknownOperationException/);
    },
  );

  test("a body that is not JSON is SerializationException (400)", async () => {
    for (const body of ["{", '{"Limit": 5', "Limit=5", "\u0000"]) {
      assertError(await call({ op: "ListKeys", body }), 400, "SerializationException");
    }
  });

  test("a member of the wrong JSON type is SerializationException naming the types", async () => {
    assertError(await call({ op: "ListKeys", body: '{"Limit":"5"}' }), 400, "SerializationException", "STRING_VALUE can not be converted to an Integer");
    assertError(await call({ op: "DescribeKey", body: '{"KeyId":5}' }), 400, "SerializationException", "NUMBER_VALUE can not be converted to a String");
    assertError(await call({ op: "TagResource", body: '{"KeyId":"k","Tags":{}}' }), 400, "SerializationException");
    assertError(await call({ op: "ListKeys", body: "[]" }), 400, "SerializationException");
  });

  test(
    "a body of another content type, or none, is 404 UnknownOperationException, as AWS's JSON services answer it",

    async () => {
      for (const contentType of ["text/plain", null] as const) {
        const res = await call({ op: "ListKeys", contentType });
        assert.equal(res.status, 404);
        assert.match(res.text, /UnknownOperationException/);
      }
    },
  );

  test("a constraint violation is a ValidationException in AWS's words", async () => {
    assertError(
      await call({ op: "ListKeys", body: '{"Limit":0}' }),
      400,
      "ValidationException",
      "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
    assertError(
      await call({ op: "DescribeKey", body: "{}" }),
      400,
      "ValidationException",
      "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null",
    );
  });

  test(`a body over ${MAX_BODY_BYTES / 1024} KiB is refused with 413 before anything else`, async () => {
    const body = Buffer.alloc(MAX_BODY_BYTES + 1024, 0x20);
    const res = await call({ op: "ListKeys", body, unsigned: true });
    assert.equal(res.status, 413);
    assert.equal(errorOf(res).type, "RequestEntityTooLargeException");
  });

  test("a body of exactly the limit is read and judged on its content", async () => {
    const padding = " ".repeat(MAX_BODY_BYTES - 2);
    const res = await call({ op: "ListKeys", body: `{${padding}}` });
    assert.equal(res.status, 200);
  });
});

describe("authentication (all HTTP 400, as on AWS's JSON protocol)", () => {
  test("no Authorization header is MissingAuthenticationTokenException", async () => {
    const res = await call({ op: "ListKeys", unsigned: true });
    assertError(res, 400, "MissingAuthenticationTokenException", "Missing Authentication Token");
    assert.match(res.headers.get("x-amzn-requestid") ?? "", UUID);
  });

  test("a signature made with the wrong secret is InvalidSignatureException", async () => {
    assertError(await call({ op: "ListKeys", secret: "not-the-secret" }), 400, "InvalidSignatureException", SIGNATURE_MISMATCH);
  });

  test("an unknown access key is UnrecognizedClientException", async () => {
    assertError(
      await call({ op: "ListKeys", accessKeyId: "AKIAUNKNOWNKEY000000" }),
      400,
      "UnrecognizedClientException",
      "The security token included in the request is invalid.",
    );
  });

  test("a request signed more than 5 minutes ago is InvalidSignatureException 'Signature expired'", async () => {
    const res = await call({ op: "ListKeys", at: Date.now() - 10 * 60_000 });
    assertError(
      res,
      400,
      "InvalidSignatureException",
      /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 5 min\.\)$/,
    );
  });

  test("a request signed more than 5 minutes ahead is InvalidSignatureException 'Signature not yet current'", async () => {
    const res = await call({ op: "ListKeys", at: Date.now() + 10 * 60_000 });
    assertError(res, 400, "InvalidSignatureException", /^Signature not yet current: /);
  });

  test("a body changed after signing is InvalidSignatureException", async () => {
    const headers = await signedHeaders(url, {
      headers: { host: url.host, "content-type": "application/x-amz-json-1.1", "x-amz-target": "TrentService.ListKeys" },
      body: '{"Limit":1}',
    });
    delete headers["host"];
    const res = await fetch(new URL("/", url), { method: "POST", headers, body: '{"Limit":2}' });
    assertError({ status: res.status, headers: res.headers, text: await res.text() }, 400, "InvalidSignatureException", SIGNATURE_MISMATCH);
  });

  test("a known operation is not run for an unauthenticated request, however malformed its body", async () => {
    const res = await call({ op: "ListKeys", body: '{"Limit":"x"}', unsigned: true });
    assert.equal(res.status, 400);
    assert.ok(["MissingAuthenticationTokenException", "SerializationException"].includes(errorOf(res).type), res.text);
  });

  test(
    "an unknown or missing X-Amz-Target, or a body that is not JSON, is answered before authentication, as AWS's JSON services do",

    async () => {
      assertError(await call({ target: "TrentService.NoSuchOperation", unsigned: true }), 400, "UnknownOperationException");
      assertError(await call({ op: null, unsigned: true }), 400, "UnknownOperationException");
      assertError(await call({ op: "ListKeys", body: "hi", unsigned: true }), 400, "SerializationException");
    },
  );
});

/**
 * A minimal body that passes the model's validation for each operation Trent does not implement,
 * so that the answer shows the operation itself is refused.
 */
const KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab";
const BLOB = Buffer.from("trent").toString("base64");
const PRINCIPAL = `arn:aws:iam::${DEV_ACCOUNT}:root`;
const MINIMAL_BODIES: Readonly<Record<string, Record<string, unknown>>> = {
  ConnectCustomKeyStore: { CustomKeyStoreId: "cks-1234567890abcdef0" },
  CreateCustomKeyStore: { CustomKeyStoreName: "trent-store" },
  DeleteCustomKeyStore: { CustomKeyStoreId: "cks-1234567890abcdef0" },
  DescribeCustomKeyStores: {},
  DisconnectCustomKeyStore: { CustomKeyStoreId: "cks-1234567890abcdef0" },
  UpdateCustomKeyStore: { CustomKeyStoreId: "cks-1234567890abcdef0" },
  CreateGrant: { KeyId: KEY_ID, GranteePrincipal: PRINCIPAL, Operations: ["Decrypt"] },
  ListGrants: { KeyId: KEY_ID },
  ListRetirableGrants: { RetiringPrincipal: PRINCIPAL },
  RetireGrant: { KeyId: KEY_ID, GrantId: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" },
  RevokeGrant: { KeyId: KEY_ID, GrantId: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" },
  DeleteImportedKeyMaterial: { KeyId: KEY_ID },
  GetParametersForImport: { KeyId: KEY_ID, WrappingAlgorithm: "RSAES_OAEP_SHA_256", WrappingKeySpec: "RSA_2048" },
  ImportKeyMaterial: { KeyId: KEY_ID, ImportToken: BLOB, EncryptedKeyMaterial: BLOB },
  DeriveSharedSecret: { KeyId: KEY_ID, KeyAgreementAlgorithm: "ECDH", PublicKey: BLOB },
  GenerateDataKeyPair: { KeyId: KEY_ID, KeyPairSpec: "ECC_NIST_P256" },
  GenerateDataKeyPairWithoutPlaintext: { KeyId: KEY_ID, KeyPairSpec: "ECC_NIST_P256" },
  GenerateMac: { KeyId: KEY_ID, Message: BLOB, MacAlgorithm: "HMAC_SHA_256" },
  VerifyMac: { KeyId: KEY_ID, Message: BLOB, MacAlgorithm: "HMAC_SHA_256", Mac: BLOB },
  GetPublicKey: { KeyId: KEY_ID },
  Sign: { KeyId: KEY_ID, Message: BLOB, SigningAlgorithm: "ECDSA_SHA_256" },
  Verify: { KeyId: KEY_ID, Message: BLOB, Signature: BLOB, SigningAlgorithm: "ECDSA_SHA_256" },
  ReplicateKey: { KeyId: KEY_ID, ReplicaRegion: "us-west-2" },
  UpdatePrimaryRegion: { KeyId: KEY_ID, PrimaryRegion: "us-west-2" },
  Encapsulate: { KeyId: KEY_ID, EncapsulationAlgorithm: "ML_KEM" },
  Decapsulate: { KeyId: KEY_ID, SharedSecretCiphertextBlob: BLOB, EncapsulationAlgorithm: "ML_KEM" },
  GetKeyLastUsage: { KeyId: KEY_ID },
};

describe("operations Trent does not implement", () => {
  const notImplemented = Object.keys(NOT_IMPLEMENTED).sort();

  test("each has a minimal valid body in this test", () => {
    assert.deepEqual(
      notImplemented.filter((op) => !Object.hasOwn(MINIMAL_BODIES, op)),
      [],
      "add a body that passes validation to MINIMAL_BODIES",
    );
  });

  for (const op of notImplemented) {
    test(`${op} answers UnsupportedOperationException (400) to a valid request`, async () => {
      const res = await call({ op, body: JSON.stringify(MINIMAL_BODIES[op] ?? {}) });
      assertError(res, 400, "UnsupportedOperationException");
      assert.match(res.headers.get("x-amzn-requestid") ?? "", UUID);
    });
  }

  test("an invalid request to one of them is still judged by the model first", async () => {
    const op = notImplemented.find((o) => Object.hasOwn(MINIMAL_BODIES[o] ?? {}, "KeyId"));
    if (op === undefined) return; // every such operation has been implemented
    assertError(await call({ op, body: "{}" }), 400, "ValidationException", /Value null at 'keyId'/);
  });
});
