import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { SecretBytes } from "../crypto/secret-bytes.js";
import type { DescribeKeyResponse, OperationIO } from "../generated/kms-types.js";
import { decodeInput } from "./wire-decode.js";
import { encodeOutput } from "./wire-encode.js";

describe("wire-encode", () => {
  it("writes members in model order and omits undefined members", () => {
    const text = encodeOutput("Encrypt", {
      EncryptionAlgorithm: "SYMMETRIC_DEFAULT",
      KeyId: "arn:aws:kms:us-east-1:111122223333:key/k",
      CiphertextBlob: new Uint8Array([1, 2, 3]),
    });
    assert.equal(text, '{"CiphertextBlob":"AQID","KeyId":"arn:aws:kms:us-east-1:111122223333:key/k","EncryptionAlgorithm":"SYMMETRIC_DEFAULT"}');
    assert.equal(encodeOutput("CancelKeyDeletion", {}), "{}");
  });

  it("never writes a property the model does not define for the output", () => {
    const output = { KeyId: "k", Internal: "do-not-leak" } as unknown as OperationIO["CancelKeyDeletion"]["output"];
    assert.equal(encodeOutput("CancelKeyDeletion", output), '{"KeyId":"k"}');
  });

  it("encodes a Uint8Array view as base64 of exactly its own bytes", () => {
    const backing = Buffer.from([9, 9, 1, 2, 3, 9]);
    const text = encodeOutput("Encrypt", { CiphertextBlob: backing.subarray(2, 5) });
    assert.equal(text, '{"CiphertextBlob":"AQID"}');
  });

  it("encodes SecretBytes as base64 of the exposed bytes", () => {
    const text = encodeOutput("GenerateDataKey", {
      Plaintext: SecretBytes.copyOf(Buffer.from("data key")),
      KeyId: "k",
    });
    assert.deepEqual(JSON.parse(text), { Plaintext: Buffer.from("data key").toString("base64"), KeyId: "k" });
  });

  it("encodes timestamps as epoch seconds, fractional when the Date has milliseconds", () => {
    const text = encodeOutput("DescribeKey", {
      KeyMetadata: { KeyId: "k", CreationDate: new Date(1700000000123), DeletionDate: new Date(1700000000000) },
    });
    assert.equal(text, '{"KeyMetadata":{"KeyId":"k","CreationDate":1700000000.123,"DeletionDate":1700000000}}');
  });

  it("encodes nested structures, lists, maps and booleans", () => {
    const output: DescribeKeyResponse = {
      KeyMetadata: {
        KeyId: "k",
        Enabled: true,
        EncryptionAlgorithms: ["SYMMETRIC_DEFAULT"],
        MultiRegionConfiguration: {
          MultiRegionKeyType: "PRIMARY",
          ReplicaKeys: [{ Arn: "arn:a", Region: "eu-west-1" }],
        },
        PendingDeletionWindowInDays: 7,
      },
    };
    assert.deepEqual(JSON.parse(encodeOutput("DescribeKey", output)), output);
    const grants = encodeOutput("ListGrants", {
      Grants: [{ GrantId: "g", Constraints: { EncryptionContextEquals: { "a\"b": "c" } } }],
      Truncated: false,
    });
    assert.equal(grants, '{"Grants":[{"GrantId":"g","Constraints":{"EncryptionContextEquals":{"a\\"b":"c"}}}],"Truncated":false}');
  });

  it("escapes strings so the output is always valid JSON", () => {
    const keyId = 'quote " backslash \\ newline \n nul \u0000 emoji \u{1F600}';
    assert.equal(JSON.parse(encodeOutput("CancelKeyDeletion", { KeyId: keyId })).KeyId, keyId);
  });

  it("encodes an operation without output (Unit) as an empty object", () => {
    assert.equal(encodeOutput("CreateAlias", {}), "{}");
  });

  it("encodes the outputs added after the model snapshot (GetKeyLastUsage)", () => {
    const text = encodeOutput("GetKeyLastUsage", {
      KeyId: "k",
      KeyLastUsage: { Operation: "Encrypt", Timestamp: new Date(1700000001000) },
      TrackingStartDate: new Date(1690000000000),
    });
    assert.equal(text, '{"KeyId":"k","KeyLastUsage":{"Operation":"Encrypt","Timestamp":1700000001},"TrackingStartDate":1690000000}');
  });

  it("throws a TypeError when an operation returns a value of the wrong kind", () => {
    const bad = { KeyId: 5 } as unknown as OperationIO["CancelKeyDeletion"]["output"];
    assert.throws(() => encodeOutput("CancelKeyDeletion", bad), TypeError);
    const badBlob = { CiphertextBlob: "AQID" } as unknown as OperationIO["Encrypt"]["output"];
    assert.throws(() => encodeOutput("Encrypt", badBlob), TypeError);
  });

  it("round-trips blobs and timestamps through the decoder's wire format", () => {
    const bytes = Buffer.from([0, 255, 128, 7]);
    const text = encodeOutput("GetParametersForImport", {
      KeyId: "k",
      ImportToken: bytes,
      ParametersValidTo: new Date(1700000000500),
    });
    const wire = JSON.parse(text) as { ImportToken: string; ParametersValidTo: number };
    const back = decodeInput("ImportKeyMaterial", {
      KeyId: "k",
      ImportToken: wire.ImportToken,
      EncryptedKeyMaterial: wire.ImportToken,
      ValidTo: wire.ParametersValidTo,
    });
    assert.deepEqual([...back.ImportToken], [...bytes]);
    assert.equal(back.ValidTo?.getTime(), 1700000000500);
  });
});
