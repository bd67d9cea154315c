import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { SecretBytes } from "../crypto/secret-bytes.js";
import { KmsError } from "../domain/errors.js";
import type { OperationName } from "../generated/kms-types.js";
import { decodeInput } from "./wire-decode.js";

const b64 = (s: string | Buffer): string => Buffer.from(s).toString("base64");

/** Runs decodeInput expecting a KmsError; returns it. */
function rejects(op: OperationName, body: unknown): KmsError {
  let caught: unknown;
  try {
    decodeInput(op, body);
  } catch (e) {
    caught = e;
  }
  if (!(caught instanceof KmsError)) assert.fail(`expected a KmsError, got ${String(caught)}`);
  return caught;
}

function validation(op: OperationName, body: unknown): string {
  const e = rejects(op, body);
  assert.equal(e.code, "ValidationException", e.message);
  return e.message;
}

function serialization(op: OperationName, body: unknown): string {
  const e = rejects(op, body);
  assert.equal(e.code, "SerializationException", e.message);
  return e.message;
}

describe("wire-decode: decoding", () => {
  it("decodes a valid Encrypt request into typed input with the plaintext in SecretBytes", () => {
    const input = decodeInput("Encrypt", {
      KeyId: "alias/app",
      Plaintext: b64("hello"),
      EncryptionContext: { purpose: "test" },
      GrantTokens: ["t1"],
      DryRun: false,
    });
    assert.equal(input.KeyId, "alias/app");
    assert.ok(input.Plaintext instanceof SecretBytes);
    assert.equal(input.Plaintext.expose().toString(), "hello");
    assert.deepEqual(input.EncryptionContext, { purpose: "test" });
    assert.deepEqual(input.GrantTokens, ["t1"]);
    assert.equal(input.DryRun, false);
  });

  it("decodes a non-sensitive blob to a Buffer holding the base64-decoded bytes", () => {
    const input = decodeInput("Decrypt", { CiphertextBlob: b64(Buffer.from([0, 1, 2, 250])) });
    assert.ok(Buffer.isBuffer(input.CiphertextBlob));
    assert.deepEqual([...(input.CiphertextBlob ?? [])], [0, 1, 2, 250]);
  });

  it("accepts base64 with or without padding", () => {
    for (const text of ["aGk=", "aGk", "aGVsbG8=", "aGVsbG8", "aGVsbG8h"]) {
      const input = decodeInput("Decrypt", { CiphertextBlob: text });
      assert.equal(Buffer.from(input.CiphertextBlob ?? []).toString("base64").replace(/=+$/, ""), text.replace(/=+$/, ""));
    }
  });

  it("ignores members the model does not know", () => {
    const input = decodeInput("DescribeKey", { KeyId: "k", Unknown: { deep: [1, 2] }, keyid: 5 });
    assert.deepEqual(Object.keys(input), ["KeyId"]);
  });

  it("treats JSON null as an absent member, list element or map value", () => {
    const input = decodeInput("Encrypt", {
      KeyId: "k",
      Plaintext: b64("x"),
      EncryptionContext: { a: "1", b: null },
      GrantTokens: ["t", null],
      EncryptionAlgorithm: null,
    });
    assert.equal("EncryptionAlgorithm" in input, false);
    assert.deepEqual(input.EncryptionContext, { a: "1" });
    assert.deepEqual(input.GrantTokens, ["t"]);
  });

  it("reads timestamps as epoch seconds, fractional allowed", () => {
    const input = decodeInput("ImportKeyMaterial", {
      KeyId: "k",
      ImportToken: "AAAA",
      EncryptedKeyMaterial: "AAAA",
      ValidTo: 1700000000.25,
    });
    assert.ok(input.ValidTo instanceof Date);
    assert.equal(input.ValidTo?.getTime(), 1700000000250);
  });

  it("truncates a fractional integer as Coral does", () => {
    const input = decodeInput("GenerateRandom", { NumberOfBytes: 32.9 });
    assert.equal(input.NumberOfBytes, 32);
  });

  it("keeps an encryption-context key named __proto__ as an ordinary own key", () => {
    const body: unknown = JSON.parse('{"KeyId":"k","Plaintext":"eA==","EncryptionContext":{"__proto__":"v","a":"b"}}');
    const input = decodeInput("Encrypt", body);
    assert.deepEqual(Object.keys(input.EncryptionContext ?? {}), ["__proto__", "a"]);
    assert.equal(Object.getPrototypeOf(input.EncryptionContext), Object.prototype);
  });

  it("decodes nested structures and lists of structures", () => {
    const input = decodeInput("CreateKey", {
      Tags: [
        { TagKey: "a", TagValue: "1" },
        { TagKey: "b", TagValue: "" },
      ],
      KeySpec: "ML_DSA_65",
      KeyUsage: "SIGN_VERIFY",
    });
    assert.deepEqual(input.Tags, [
      { TagKey: "a", TagValue: "1" },
      { TagKey: "b", TagValue: "" },
    ]);
    assert.equal(input.KeySpec, "ML_DSA_65");
  });
});

describe("wire-decode: validation messages", () => {
  it("a missing required member is reported as 'Member must not be null'", () => {
    assert.equal(
      validation("DescribeKey", {}),
      "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null",
    );
  });

  it("a required member sent as null is reported as missing", () => {
    assert.equal(
      validation("DescribeKey", { KeyId: null }),
      "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null",
    );
  });

  it("reports a string over its maximum length with the value quoted", () => {
    const id = "k".repeat(2049);
    assert.equal(
      validation("DescribeKey", { KeyId: id }),
      `1 validation error detected: Value '${id}' at 'keyId' failed to satisfy constraint: Member must have length less than or equal to 2048`,
    );
  });

  it("counts string length in Unicode scalar values, not UTF-16 units", () => {
    const emoji = "\u{1F600}";
    assert.equal(decodeInput("DescribeKey", { KeyId: emoji.repeat(2048) }).KeyId.length, 4096);
    assert.match(validation("DescribeKey", { KeyId: emoji.repeat(2049) }), /less than or equal to 2048$/);
    assert.match(validation("CreateAlias", { AliasName: "", TargetKeyId: emoji }), /'aliasName'/);
  });

  it("collects every violation in model member order, joined with '; '", () => {
    assert.equal(
      validation("GenerateDataKey", { KeySpec: "AES_512", NumberOfBytes: 0 }),
      "3 validation errors detected: " +
        "Value null at 'keyId' failed to satisfy constraint: Member must not be null; " +
        "Value '0' at 'numberOfBytes' failed to satisfy constraint: Member must have value greater than or equal to 1; " +
        "Value 'AES_512' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [AES_256, AES_128]",
    );
  });

  it("reports an integer above its range with the value quoted", () => {
    assert.equal(
      validation("ListKeys", { Limit: 1001 }),
      "1 validation error detected: Value '1001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 1000",
    );
  });

  it("reports a pattern violation with the model's pattern", () => {
    assert.equal(
      validation("CreateAlias", { AliasName: "alias/has space", TargetKeyId: "k" }),
      "1 validation error detected: Value 'alias/has space' at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$",
    );
  });

  it("reports both the length and the pattern of an empty alias name", () => {
    assert.equal(
      validation("CreateAlias", { AliasName: "", TargetKeyId: "k" }),
      "2 validation errors detected: " +
        "Value '' at 'aliasName' failed to satisfy constraint: Member must have length greater than or equal to 1; " +
        "Value '' at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$",
    );
  });

  it("applies Smithy patterns unanchored, exactly as written", () => {
    // PolicyNameType's pattern lost its anchors in the newer model ("[\\w]+"): any word character matches.
    assert.equal(decodeInput("GetKeyPolicy", { KeyId: "k", PolicyName: "default!" }).PolicyName, "default!");
    assert.match(validation("GetKeyPolicy", { KeyId: "k", PolicyName: "!!" }), /regular expression pattern: \[\\w\]\+$/);
  });

  it("reports an enum value outside the set with the set in model order", () => {
    assert.equal(
      validation("Encrypt", { KeyId: "k", Plaintext: b64("x"), EncryptionAlgorithm: "AES" }),
      "1 validation error detected: Value 'AES' at 'encryptionAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [SYMMETRIC_DEFAULT, RSAES_OAEP_SHA_1, RSAES_OAEP_SHA_256, SM2PKE]",
    );
  });

  it("accepts the enum values added after the model snapshot", () => {
    assert.equal(decodeInput("Sign", { KeyId: "k", Message: b64("m"), MessageType: "EXTERNAL_MU", SigningAlgorithm: "ML_DSA_SHAKE_256" }).MessageType, "EXTERNAL_MU");
    assert.equal(decodeInput("CreateKey", { KeySpec: "ECC_NIST_EDWARDS25519" }).KeySpec, "ECC_NIST_EDWARDS25519");
  });

  it("reports a list of enums once, at the list, quoting the whole list", () => {
    assert.equal(
      validation("CreateGrant", { KeyId: "k", GranteePrincipal: "p", Operations: ["Encrypt", "Bogus"] }),
      "1 validation error detected: Value '[Encrypt, Bogus]' at 'operations' failed to satisfy constraint: " +
        "Member must satisfy constraint: [Member must satisfy enum value set: [Decrypt, Encrypt, GenerateDataKey, " +
        "GenerateDataKeyWithoutPlaintext, ReEncryptFrom, ReEncryptTo, Sign, Verify, GetPublicKey, CreateGrant, RetireGrant, " +
        "DescribeKey, GenerateDataKeyPair, GenerateDataKeyPairWithoutPlaintext, GenerateMac, VerifyMac, DeriveSharedSecret, " +
        "Encapsulate, Decapsulate]]",
    );
  });

  it("reports a list of constrained strings with every constraint of the member", () => {
    assert.equal(
      validation("Encrypt", { KeyId: "k", Plaintext: b64("x"), GrantTokens: ["", "ok"] }),
      "1 validation error detected: Value '[, ok]' at 'grantTokens' failed to satisfy constraint: " +
        "Member must satisfy constraint: [Member must have length less than or equal to 8192, Member must have length greater than or equal to 1]",
    );
  });

  it("reports a list over its maximum length", () => {
    const tokens = Array.from({ length: 11 }, (_, i) => `t${i}`);
    assert.equal(
      validation("DescribeKey", { KeyId: "k", GrantTokens: tokens }),
      `1 validation error detected: Value '[${tokens.join(", ")}]' at 'grantTokens' failed to satisfy constraint: Member must have length less than or equal to 10`,
    );
  });

  it("names members of list elements as list.N.member.field, counting from 1", () => {
    assert.equal(
      validation("TagResource", { KeyId: "k", Tags: [{ TagKey: "a", TagValue: "1" }, { TagValue: "2" }, { TagKey: "", TagValue: "3" }] }),
      "2 validation errors detected: " +
        "Value null at 'tags.2.member.tagKey' failed to satisfy constraint: Member must not be null; " +
        "Value '' at 'tags.3.member.tagKey' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
  });

  it("names members of nested structures with dots", () => {
    assert.equal(
      validation("Decrypt", { CiphertextBlob: "AAAA", Recipient: { KeyEncryptionAlgorithm: "RSA" } }),
      "1 validation error detected: Value 'RSA' at 'recipient.keyEncryptionAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [RSAES_OAEP_SHA_256]",
    );
  });

  it("counts a blob's length in decoded bytes", () => {
    assert.equal(decodeInput("Encrypt", { KeyId: "k", Plaintext: b64(Buffer.alloc(4096)) }).Plaintext.length, 4096);
    assert.equal(
      validation("Encrypt", { KeyId: "k", Plaintext: b64(Buffer.alloc(4097)) }),
      "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096",
    );
  });
});

describe("wire-decode: secrets never reach a message", () => {
  const MARKER = "TOP-SECRET-MARKER-7f3a";

  it("never quotes a sensitive plaintext, in clear or in base64", () => {
    const plaintext = Buffer.from(MARKER.repeat(200)); // 4400 bytes: over the 4096 limit
    const message = validation("Encrypt", { KeyId: "", Plaintext: plaintext.toString("base64") });
    assert.ok(!message.includes(MARKER));
    assert.ok(!message.includes(plaintext.toString("base64").slice(0, 40)));
    assert.match(message, /Value at 'plaintext' failed to satisfy constraint/);
  });

  it("never quotes a sensitive string such as a key store password", () => {
    const message = validation("CreateCustomKeyStore", { CustomKeyStoreName: "s", KeyStorePassword: MARKER.slice(0, 5) });
    assert.ok(!message.includes(MARKER.slice(0, 5)));
    assert.equal(
      message,
      "1 validation error detected: Value at 'keyStorePassword' failed to satisfy constraint: Member must have length greater than or equal to 7",
    );
  });

  it("never quotes a non-sensitive blob either (ciphertext)", () => {
    const ciphertext = Buffer.from(MARKER.repeat(400));
    const message = validation("Decrypt", { CiphertextBlob: ciphertext.toString("base64") });
    assert.ok(!message.includes(MARKER));
    assert.equal(
      message,
      "1 validation error detected: Value at 'ciphertextBlob' failed to satisfy constraint: Member must have length less than or equal to 6144",
    );
  });

  it("never quotes a secret in a SerializationException", () => {
    const message = serialization("Encrypt", { KeyId: "k", Plaintext: `${MARKER}!!` });
    assert.ok(!message.includes(MARKER));
  });
});

describe("wire-decode: SerializationException", () => {
  const cases: [string, OperationName, unknown, string][] = [
    ["a string where an integer is expected", "GenerateRandom", { NumberOfBytes: "32" }, "STRING_VALUE can not be converted to an Integer"],
    ["true where an integer is expected", "GenerateRandom", { NumberOfBytes: true }, "TRUE_VALUE can not be converted to an Integer"],
    ["a number where a string is expected", "DescribeKey", { KeyId: 12 }, "NUMBER_VALUE can not be converted to a String"],
    ["false where a string is expected", "DescribeKey", { KeyId: false }, "FALSE_VALUE can not be converted to a String"],
    ["an object where a string is expected", "DescribeKey", { KeyId: { a: 1 } }, "Start of structure or map found where not expected."],
    ["an array where a string is expected", "DescribeKey", { KeyId: ["k"] }, "Start of list found where not expected"],
    ["a number inside a list of strings", "DescribeKey", { KeyId: "k", GrantTokens: [1] }, "NUMBER_VALUE can not be converted to a String"],
    ["a string where a list is expected", "DescribeKey", { KeyId: "k", GrantTokens: "t" }, "Expected list or null"],
    ["an object where a list is expected", "DescribeKey", { KeyId: "k", GrantTokens: {} }, "Start of structure or map found where not expected."],
    ["a string where a structure is expected", "Decrypt", { CiphertextBlob: "AAAA", Recipient: "r" }, "Expected null"],
    ["an array where a structure is expected", "Decrypt", { CiphertextBlob: "AAAA", Recipient: [] }, "Start of list found where not expected"],
    ["an array where a map is expected", "Encrypt", { KeyId: "k", Plaintext: "eA==", EncryptionContext: [] }, "Start of list found where not expected"],
    ["a number inside a map of strings", "Encrypt", { KeyId: "k", Plaintext: "eA==", EncryptionContext: { a: 1 } }, "NUMBER_VALUE can not be converted to a String"],
    ["a string where a boolean is expected", "Encrypt", { KeyId: "k", Plaintext: "eA==", DryRun: "true" }, "STRING_VALUE can not be converted to a Boolean"],
    ["a number where a blob is expected", "Encrypt", { KeyId: "k", Plaintext: 5 }, "NUMBER_VALUE can not be converted to a Blob"],
    ["a string where a timestamp is expected", "ImportKeyMaterial", { KeyId: "k", ImportToken: "AAAA", EncryptedKeyMaterial: "AAAA", ValidTo: "2030-01-01" }, "STRING_VALUE can not be converted to a Date"],
    ["an array as the whole body", "DescribeKey", [], "Start of list found where not expected"],
  ];
  for (const [what, op, body, message] of cases) {
    it(`${what} is a SerializationException: "${message}"`, () => {
      assert.equal(serialization(op, body), message);
    });
  }

  it("a body that is not a JSON object (null, string, number) is a SerializationException without message", () => {
    for (const body of [null, "x", 5, true]) assert.equal(serialization("DescribeKey", body), "");
  });

  it("rejects blobs that are not strict standard base64", () => {
    for (const bad of ["a", "ab!c", "ab c", "ab-_", "ab=c", "abc==", "====", "a===", "aGk=\n"]) {
      const e = rejects("Decrypt", { CiphertextBlob: bad });
      assert.equal(e.code, "SerializationException", `accepted ${JSON.stringify(bad)}`);
    }
  });

  it("a type mismatch wins over constraint violations found before it", () => {
    assert.equal(
      serialization("GenerateDataKey", { KeyId: "", KeySpec: "BAD", NumberOfBytes: "1" }),
      "STRING_VALUE can not be converted to an Integer",
    );
  });

  it("an unknown operation name is an UnknownOperationException", () => {
    const e = rejects("NoSuchOperation" as OperationName, {});
    assert.equal(e.code, "UnknownOperationException");
  });
});
