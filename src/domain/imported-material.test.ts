import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { KmsError } from "./errors.js";
import { encodeImportToken, importTokenBinding, parseImportToken, type ImportTokenFields } from "./import-token.js";
import {
  applyDelete,
  applyExpiry,
  applyImport,
  applyImportedRotation,
  chooseExpiration,
  importsComplete,
  MAX_VALID_TO_MS,
  type ExpirationChoice,
} from "./imported-material.js";
import { keyRecordFixture } from "./key-record-fixture.js";
import { nextDueAt, type KeyRecord } from "./key-record.js";

const T0 = Date.UTC(2026, 0, 1);
const DAY = 86_400_000;
const A = "a".repeat(64);
const B = "b".repeat(64);
const C = "c".repeat(64);
const forever: ExpirationChoice = { expirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE" };
const until = (t: number): ExpirationChoice => ({ expirationModel: "KEY_MATERIAL_EXPIRES", validTo: t });

function externalKey(spec = "SYMMETRIC_DEFAULT"): KeyRecord {
  return keyRecordFixture({
    keyId: "6f1c3f0e-2b7a-4c55-9a51-0d1e2f3a4b5c",
    createdAt: T0,
    keyUsage: spec.startsWith("HMAC") ? "GENERATE_VERIFY_MAC" : "ENCRYPT_DECRYPT",
    keySpec: spec,
    origin: "EXTERNAL",
    keyState: "PendingImport",
    revision: 1,
  });
}

function code(e: unknown): string {
  return e instanceof KmsError ? e.code : String(e);
}

describe("importing key material into an EXTERNAL key", () => {
  test("the first import makes the material CURRENT and the key Enabled, with the key-level expiry DescribeKey shows", () => {
    const { key, storeMaterial } = applyImport(externalKey(), { materialId: A, importType: undefined, expiration: until(T0 + DAY), description: undefined });
    assert.equal(storeMaterial, true);
    assert.equal(key.keyState, "Enabled");
    assert.equal(key.currentMaterialId, A);
    assert.equal(key.expirationModel, "KEY_MATERIAL_EXPIRES");
    assert.equal(key.validTo, T0 + DAY);
    assert.deepEqual(key.importedMaterials, [{ materialId: A, state: "CURRENT", imported: true, expirationModel: "KEY_MATERIAL_EXPIRES", validTo: T0 + DAY }]);
    assert.equal(nextDueAt(key), T0 + DAY);
  });

  test("re-importing the same material changes its expiry without storing it again; other material is IncorrectKeyMaterialException", () => {
    const first = applyImport(externalKey(), { materialId: A, importType: undefined, expiration: until(T0 + DAY), description: "d1" }).key;
    const again = applyImport(first, { materialId: A, importType: undefined, expiration: forever, description: undefined });
    assert.equal(again.storeMaterial, false);
    assert.equal(again.key.expirationModel, "KEY_MATERIAL_DOES_NOT_EXPIRE");
    assert.equal(again.key.validTo, undefined);
    assert.equal(again.key.importedMaterials?.[0]?.description, "d1", "the description of the last import stays");
    assert.equal(nextDueAt(again.key), undefined);
    assert.throws(() => applyImport(first, { materialId: B, importType: undefined, expiration: forever, description: undefined }), (e) => code(e) === "IncorrectKeyMaterialException");
    assert.throws(() => applyImport(first, { materialId: B, importType: "EXISTING_KEY_MATERIAL", expiration: forever, description: undefined }), (e) => code(e) === "IncorrectKeyMaterialException");
  });

  test("deleting the material makes the key PendingImport until the same material is imported again", () => {
    const enabled = applyImport(externalKey(), { materialId: A, importType: undefined, expiration: forever, description: undefined }).key;
    const deleted = applyDelete(enabled, undefined);
    assert.equal(deleted.materialId, A);
    assert.deepEqual(deleted.removed, [A]);
    assert.equal(deleted.key.keyState, "PendingImport");
    assert.equal(deleted.key.currentMaterialId, A, "the current material id is kept for the ciphertexts that name it");
    assert.equal(deleted.key.expirationModel, undefined);
    assert.equal(importsComplete(deleted.key.importedMaterials ?? []), false);
    assert.deepEqual(applyDelete(deleted.key, undefined).removed, [], "deleting again changes nothing");
    const back = applyImport(deleted.key, { materialId: A, importType: undefined, expiration: forever, description: undefined });
    assert.equal(back.storeMaterial, true);
    assert.equal(back.key.keyState, "Enabled");
    assert.throws(() => applyDelete(enabled, C), (e) => code(e) === "NotFoundException");
  });

  test("a key pending deletion stays pending deletion when its material is deleted or expires", () => {
    const enabled = applyImport(externalKey(), { materialId: A, importType: undefined, expiration: until(T0 + DAY), description: undefined }).key;
    const pending: KeyRecord = { ...enabled, keyState: "PendingDeletion", deletionDate: T0 + 30 * DAY };
    assert.equal(applyDelete(pending, undefined).key.keyState, "PendingDeletion");
    assert.equal(applyExpiry(pending, T0 + DAY).key.keyState, "PendingDeletion");
    assert.equal(applyExpiry({ ...enabled, keyState: "Disabled" }, T0 + DAY).key.keyState, "PendingImport");
  });

  test("expiry deletes only material whose ValidTo has passed", () => {
    const enabled = applyImport(externalKey(), { materialId: A, importType: undefined, expiration: until(T0 + DAY), description: undefined }).key;
    assert.deepEqual(applyExpiry(enabled, T0 + DAY - 1).removed, []);
    const expired = applyExpiry(enabled, T0 + DAY);
    assert.deepEqual(expired.removed, [A]);
    assert.equal(expired.key.keyState, "PendingImport");
    assert.equal(expired.key.validTo, undefined);
    assert.equal(nextDueAt(expired.key), undefined, "nothing more is due");
  });

  test("NEW_KEY_MATERIAL on a symmetric key waits in PENDING_ROTATION until RotateKeyOnDemand makes it CURRENT", () => {
    const first = applyImport(externalKey(), { materialId: A, importType: undefined, expiration: forever, description: undefined }).key;
    const second = applyImport(first, { materialId: B, importType: "NEW_KEY_MATERIAL", expiration: until(T0 + 2 * DAY), description: "next" }).key;
    assert.equal(second.currentMaterialId, A);
    assert.equal(second.keyState, "Enabled");
    assert.equal(second.expirationModel, "KEY_MATERIAL_DOES_NOT_EXPIRE", "pending material does not count for the key's ValidTo");
    assert.equal(nextDueAt(second), T0 + 2 * DAY, "but it expires on its own date");
    assert.throws(
      () => applyImport(second, { materialId: C, importType: "NEW_KEY_MATERIAL", expiration: forever, description: undefined }),
      (e) => code(e) === "KMSInvalidStateException",
    );
    assert.throws(
      () => applyImport(second, { materialId: A, importType: "NEW_KEY_MATERIAL", expiration: forever, description: undefined }),
      (e) => code(e) === "IncorrectKeyMaterialException",
    );
    const rotated = applyImportedRotation(second, T0 + 5);
    assert.equal(rotated.currentMaterialId, B);
    assert.deepEqual(
      rotated.importedMaterials?.map((m) => [m.materialId, m.state, m.rotatedAt]),
      [[A, "NON_CURRENT", undefined], [B, "CURRENT", T0 + 5]],
    );
    assert.equal(rotated.validTo, T0 + 2 * DAY);
    assert.throws(() => applyImportedRotation(rotated, T0 + 6), (e) => code(e) === "KMSInvalidStateException");
  });

  test("a pending-rotation material that is deleted goes away without touching the key state; a NON_CURRENT one makes it PendingImport", () => {
    const first = applyImport(externalKey(), { materialId: A, importType: undefined, expiration: forever, description: undefined }).key;
    const second = applyImport(first, { materialId: B, importType: "NEW_KEY_MATERIAL", expiration: forever, description: undefined }).key;
    const dropped = applyDelete(second, B);
    assert.equal(dropped.key.keyState, "Enabled");
    assert.deepEqual(dropped.key.importedMaterials?.map((m) => m.materialId), [A]);
    const rotated = applyImportedRotation(second, T0);
    const lostOld = applyDelete(rotated, A);
    assert.equal(lostOld.key.keyState, "PendingImport");
    assert.equal(lostOld.key.currentMaterialId, B);
    assert.equal(applyImport(lostOld.key, { materialId: A, importType: undefined, expiration: forever, description: undefined }).key.keyState, "Enabled");
  });

  test("asymmetric and HMAC keys take one material only", () => {
    const hmac = applyImport(externalKey("HMAC_256"), { materialId: A, importType: undefined, expiration: forever, description: undefined }).key;
    assert.throws(
      () => applyImport(hmac, { materialId: B, importType: "NEW_KEY_MATERIAL", expiration: forever, description: undefined }),
      (e) => code(e) === "IncorrectKeyMaterialException",
    );
  });
});

describe("ImportKeyMaterial's ExpirationModel and ValidTo", () => {
  test("the default model KEY_MATERIAL_EXPIRES needs a ValidTo in the next 365 days; DOES_NOT_EXPIRE forbids one", () => {
    const validation = (f: () => unknown) => assert.throws(f, (e) => code(e) === "ValidationException");
    validation(() => chooseExpiration(undefined, undefined, T0));
    validation(() => chooseExpiration("KEY_MATERIAL_EXPIRES", undefined, T0));
    validation(() => chooseExpiration("KEY_MATERIAL_DOES_NOT_EXPIRE", new Date(T0 + DAY), T0));
    validation(() => chooseExpiration(undefined, new Date(T0), T0));
    validation(() => chooseExpiration(undefined, new Date(T0 + MAX_VALID_TO_MS + 1), T0));
    assert.deepEqual(chooseExpiration(undefined, new Date(T0 + MAX_VALID_TO_MS), T0), until(T0 + MAX_VALID_TO_MS));
    assert.deepEqual(chooseExpiration("KEY_MATERIAL_DOES_NOT_EXPIRE", undefined, T0), forever);
  });
});

describe("import tokens", () => {
  const fields: ImportTokenFields = {
    keyId: "6f1c3f0e-2b7a-4c55-9a51-0d1e2f3a4b5c",
    wrappingAlgorithm: "RSA_AES_KEY_WRAP_SHA_256",
    wrappingKeySpec: "RSA_3072",
    validTo: T0 + DAY,
  };
  const wrapped = { rootVersion: "root-1", blob: Buffer.from("wrapped private key") };

  test("a token reads back its fields, its wrapped key, and the binding it was wrapped with", () => {
    const parsed = parseImportToken(encodeImportToken(fields, wrapped));
    assert.ok(parsed);
    assert.deepEqual({ ...parsed, binding: undefined, wrapped: undefined }, { ...fields, binding: undefined, wrapped: undefined });
    assert.deepEqual(parsed.wrapped, wrapped);
    assert.deepEqual(parsed.binding, importTokenBinding(fields));
  });

  test("editing any header byte changes the binding, so the wrapped key no longer unwraps", () => {
    const token = encodeImportToken(fields, wrapped);
    const headerLength = 16 + fields.keyId.length;
    for (let i = 5; i < headerLength; i++) {
      const edited = Buffer.from(token);
      edited[i] = (edited[i] ?? 0) ^ 1;
      const parsed = parseImportToken(edited);
      if (parsed !== undefined) assert.notDeepEqual(parsed.binding, importTokenBinding(fields), `byte ${i}`);
    }
  });

  test("bytes that are not a token are refused before any unwrap", () => {
    for (const junk of [Buffer.alloc(0), Buffer.from("TIMP"), Buffer.alloc(64, 0), Buffer.from("hello world, this is no token")]) {
      assert.equal(parseImportToken(junk), undefined);
    }
  });
});
