import { strict as assert } from "node:assert";
import { test } from "node:test";
import { SigV4Verifier } from "../src/api/sigv4.js";
import { SecretBytes } from "../src/crypto/secret-bytes.js";
import { CONTENT_TYPE, SigV4Signer } from "./sigv4-signer.js";

const NOW = Date.UTC(2026, 11, 1, 12, 0, 0);
const HOST = "127.0.0.1:4599";
const TARGET = "TrentService.Encrypt";

function verifier(): SigV4Verifier {
  const secret = SecretBytes.copyOf(Buffer.from("test", "utf8"));
  return new SigV4Verifier({ now: () => NOW, lookupSecret: (id) => (id === "test" ? secret : undefined) });
}

function signedRequest(body: string, sentBody: string = body, nowMs: number = NOW) {
  const sig = new SigV4Signer({ accessKeyId: "test", secretAccessKey: "test", region: "eu-west-1" }).sign(HOST, TARGET, body, nowMs);
  return {
    method: "POST",
    url: "/",
    headers: { host: HOST, "content-type": CONTENT_TYPE, "x-amz-target": TARGET, "x-amz-date": sig.amzDate, authorization: sig.authorization },
    body: Buffer.from(sentBody, "utf8"),
  };
}

test("Trent's SigV4 verifier accepts what the benchmark signer signs, with the region of its scope", async () => {
  const caller = await verifier().verify(signedRequest('{"KeyId":"k","Plaintext":"AAAA"}'));
  assert.deepEqual(caller, { accessKeyId: "test", region: "eu-west-1", date: "20261201" });
});

test("the benchmark signer's signature does not cover another body", async () => {
  await assert.rejects(verifier().verify(signedRequest('{"KeyId":"k"}', '{"KeyId":"x"}')), { code: "InvalidSignatureException" });
});

test("the benchmark signer re-derives its key when the day changes", async () => {
  const signer = new SigV4Signer({ accessKeyId: "test", secretAccessKey: "test", region: "us-east-1" });
  const a = signer.sign(HOST, TARGET, "{}", Date.UTC(2026, 10, 30, 23, 59, 59));
  const b = signer.sign(HOST, TARGET, "{}", NOW);
  assert.match(a.authorization, /Credential=test\/20261130\/us-east-1\/kms\/aws4_request/);
  assert.match(b.authorization, /Credential=test\/20261201\/us-east-1\/kms\/aws4_request/);
  assert.equal(b.amzDate, "20261201T120000Z");
});
