import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { AsymmetricCryptoError, type AsymmetricErrorReason } from "../../crypto/asymmetric/index.js";
import { KmsError } from "../../domain/errors.js";
import { cryptoFailure, rejectEncryptionContext, withCryptoErrors } from "./asymmetric.js";

describe("cryptoFailure", () => {
  test("maps each reason of the crypto layer to the KMS error it suggests, keeping its message", () => {
    const cases: readonly [AsymmetricErrorReason, string][] = [
      ["ALGORITHM_INCOMPATIBLE", "InvalidKeyUsageException"],
      ["MESSAGE_TYPE_INCOMPATIBLE", "ValidationException"],
      ["DIGEST_LENGTH", "ValidationException"],
      ["MESSAGE_TOO_LONG", "ValidationException"],
      ["PLAINTEXT_TOO_LONG", "ValidationException"],
      ["INVALID_PEER_PUBLIC_KEY", "ValidationException"],
      ["PEER_KEY_CURVE_MISMATCH", "ValidationException"],
      ["UNSUPPORTED", "UnsupportedOperationException"],
    ];
    for (const [reason, code] of cases) {
      const e = cryptoFailure(new AsymmetricCryptoError(reason, `about ${reason}`));
      assert.ok(e instanceof KmsError, reason);
      assert.equal(e.code, code, reason);
      assert.equal(e.message, `about ${reason}`);
    }
  });

  test("a failed decryption is the one generic InvalidCiphertextException, with no detail", () => {
    const e = cryptoFailure(new AsymmetricCryptoError("DECRYPTION_FAILED", "OAEP padding check failed"));
    assert.ok(e instanceof KmsError);
    assert.equal(e.code, "InvalidCiphertextException");
    assert.equal(e.message, "");
  });

  test("unusable stored key material is an internal error that says nothing of the material", () => {
    const e = cryptoFailure(new AsymmetricCryptoError("INVALID_KEY_MATERIAL", "Key material does not match key spec RSA_2048."));
    assert.ok(e instanceof KmsError);
    assert.equal(e.code, "KMSInternalException");
    assert.equal(e.status, 500);
  });

  test("other errors pass through unchanged", () => {
    const bug = new TypeError("a bug");
    assert.equal(cryptoFailure(bug), bug);
    assert.throws(() => withCryptoErrors(() => { throw bug; }), TypeError);
  });
});

describe("rejectEncryptionContext", () => {
  test("an empty or absent encryption context is fine; any pair is AWS's ValidationException", () => {
    rejectEncryptionContext(undefined);
    rejectEncryptionContext({});
    assert.throws(() => rejectEncryptionContext({ a: "b" }), {
      name: "ValidationException",
      message: "EncryptionContext is not supported when encrypting/decrypting with asymmetric CMKs.",
    });
  });
});
