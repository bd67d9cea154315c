import assert from "node:assert/strict";
import { test } from "node:test";
import { generateKeyPair } from "./key-generation.js";
import { privateKeyObject, publicKeyObject } from "./key-objects.js";

test("a private key is parsed once per holder and refused once the holder is disposed", async () => {
  const pair = await generateKeyPair("ECC_NIST_P256");
  const first = privateKeyObject("ECC_NIST_P256", pair.privateKey);
  assert.equal(privateKeyObject("ECC_NIST_P256", pair.privateKey), first, "the same KeyObject comes back");
  assert.throws(() => privateKeyObject("ECC_NIST_P384", pair.privateKey), "a cached key is still checked against the spec");
  pair.privateKey.dispose();
  assert.throws(() => privateKeyObject("ECC_NIST_P256", pair.privateKey), /dispose/);
});

test("a public key is parsed once per buffer", async () => {
  const pair = await generateKeyPair("RSA_2048");
  const first = publicKeyObject("RSA_2048", pair.publicKey);
  assert.equal(publicKeyObject("RSA_2048", pair.publicKey), first);
  assert.notEqual(publicKeyObject("RSA_2048", Buffer.from(pair.publicKey)), first, "another buffer is parsed on its own");
});
