import {
  CancelKeyDeletionCommand,
  CreateAliasCommand,
  CreateGrantCommand,
  CreateKeyCommand,
  DecryptCommand,
  DecapsulateCommand,
  DeleteAliasCommand,
  DeleteImportedKeyMaterialCommand,
  DeriveSharedSecretCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  DisableKeyRotationCommand,
  EnableKeyCommand,
  EncapsulateCommand,
  EnableKeyRotationCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyPairCommand,
  GenerateDataKeyPairWithoutPlaintextCommand,
  GenerateDataKeyWithoutPlaintextCommand,
  GenerateMacCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  GetParametersForImportCommand,
  GetPublicKeyCommand,
  ImportKeyMaterialCommand,
  ListAliasesCommand,
  ListGrantsCommand,
  ListKeyPoliciesCommand,
  ListKeyRotationsCommand,
  ListResourceTagsCommand,
  PutKeyPolicyCommand,
  ReEncryptCommand,
  RetireGrantCommand,
  RevokeGrantCommand,
  RotateKeyOnDemandCommand,
  ScheduleKeyDeletionCommand,
  SignCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateAliasCommand,
  UpdateKeyDescriptionCommand,
  VerifyCommand,
  VerifyMacCommand,
  type CreateKeyCommandInput,
  type GrantOperation,
} from "@aws-sdk/client-kms";
import assert from "node:assert/strict";
import { generateKeyPairSync, randomBytes, randomUUID } from "node:crypto";
import { describe, test } from "node:test";
import { mlKemPkcs8FromSeed } from "../../src/crypto/asymmetric/ml-kem.js";
import { KEY_STATES, KEY_STATE_TABLE, type KeyState, type StateOutcome } from "../../src/domain/key-state-table.js";
import type { OperationName } from "../../src/generated/kms-types.js";
import { NOT_IMPLEMENTED, OPERATIONS } from "../../src/ops/registry.js";
import { DEV_ACCOUNT, createKeyId, expectError, setup, useTrent } from "../support/harness.js";
import { importMaterial, wrapMaterial } from "../support/key-import.js";

/**
 * AWS's key-state table (src/domain/key-state-table.ts), as data: every operation of the table
 * is called on keys in every key state Trent can reach, and must give the table's outcome.
 *
 * Reachable states: Enabled, Disabled, PendingDeletion, and PendingImport (a key with origin
 * EXTERNAL before its material is imported, or after it was deleted or expired). Not here:
 * Unavailable (keys in a custom key store whose store is disconnected: custom-key-store.test.ts and
 * external-key-store.test.ts drive that column),
 * Creating and Updating (multi-Region replication), PendingReplicaDeletion (a multi-Region primary
 * key): Trent has no multi-Region keys.
 *
 * Which key a cell is about: the table describes a symmetric encryption key with AWS-generated
 * material in Trent's own key store, except in the PendingImport column and in the rows of the
 * import operations, which describe a key with imported material. Operations that need another
 * key type (MACs, signatures, key agreement) get an HMAC, signing or key-agreement key of the same
 * origin. Two more passes check the footnotes the cells name: keys with imported material in the
 * other states ([7]: no automatic rotation), and generated keys for the import operations ([9]).
 */

type Reachable = "Enabled" | "Disabled" | "PendingDeletion" | "PendingImport";
const REACHABLE: readonly Reachable[] = ["Enabled", "Disabled", "PendingDeletion", "PendingImport"];
const UNREACHABLE: Readonly<Partial<Record<KeyState, string>>> = {
  PendingReplicaDeletion: "only multi-Region primary keys reach it; Trent has no multi-Region keys",
  Unavailable:
    "only keys in a disconnected custom key store reach it: test/e2e/custom-key-store.test.ts and test/e2e/external-key-store.test.ts drive that column",
  Creating: "only multi-Region replica keys being created reach it",
  Updating: "only multi-Region keys whose primary Region is changing reach it",
};

type Kind = "symmetric" | "hmac" | "sign" | "agreement" | "kem";
type Origin = "AWS_KMS" | "EXTERNAL";

const KIND_INPUT: Readonly<Record<Kind, CreateKeyCommandInput>> = {
  symmetric: {},
  hmac: { KeySpec: "HMAC_256", KeyUsage: "GENERATE_VERIFY_MAC" },
  sign: { KeySpec: "ECC_NIST_P256", KeyUsage: "SIGN_VERIFY" },
  agreement: { KeySpec: "ECC_NIST_P256", KeyUsage: "KEY_AGREEMENT" },
  kem: { KeySpec: "ML_KEM_512", KeyUsage: "ENCAPSULATE_DECAPSULATE" },
};
const GRANT_OPERATION: Readonly<Record<Kind, GrantOperation>> = {
  symmetric: "Decrypt",
  hmac: "GenerateMac",
  sign: "Sign",
  agreement: "DeriveSharedSecret",
  kem: "Decapsulate",
};
const ROOT = `arn:aws:iam::${DEV_ACCOUNT}:root`;
const MESSAGE = Buffer.from("key-state table");

interface Fixture {
  readonly keyId: string;
  /** An alias made while the key was enabled. */
  readonly alias: string;
  readonly ciphertext?: Uint8Array;
  readonly signature?: Uint8Array;
  readonly mac?: Uint8Array;
  /** An ML-KEM ciphertext made with the key's public key. */
  readonly encapsulated?: Uint8Array;
  /** The import token and wrapped material the key's material was imported with (EXTERNAL keys). */
  readonly reimport?: { readonly token: Uint8Array; readonly encrypted: Uint8Array };
  readonly grantId?: string;
}

interface Driver {
  readonly kind: Kind;
  /** The call changes the key (state, aliases, grants, materials): each cell gets a key of its own. */
  readonly fresh?: true;
  readonly call: (f: Fixture) => Promise<unknown>;
}

const h = useTrent();
/** An enabled symmetric key, with a ciphertext, for ReEncrypt's other side and UpdateAlias's alias. */
let helper: { keyId: string; ciphertext: Uint8Array };

const implemented = (op: string): boolean => Object.hasOwn(OPERATIONS, op);

const DRIVERS: Readonly<Record<string, Driver>> = {
  CancelKeyDeletion: { kind: "symmetric", fresh: true, call: (f) => h.kms.send(new CancelKeyDeletionCommand({ KeyId: f.keyId })) },
  CreateAlias: {
    kind: "symmetric",
    call: (f) => h.kms.send(new CreateAliasCommand({ AliasName: `alias/ks-new-${randomUUID()}`, TargetKeyId: f.keyId })),
  },
  CreateGrant: {
    kind: "symmetric",
    call: (f) => h.kms.send(new CreateGrantCommand({ KeyId: f.keyId, GranteePrincipal: ROOT, Operations: ["Decrypt"] })),
  },
  Decrypt: { kind: "symmetric", call: (f) => h.kms.send(new DecryptCommand({ CiphertextBlob: f.ciphertext })) },
  DeleteAlias: { kind: "symmetric", fresh: true, call: (f) => h.kms.send(new DeleteAliasCommand({ AliasName: f.alias })) },
  DeleteImportedKeyMaterial: {
    kind: "symmetric",
    fresh: true,
    call: (f) => h.kms.send(new DeleteImportedKeyMaterialCommand({ KeyId: f.keyId })),
  },
  DeriveSharedSecret: {
    kind: "agreement",
    call: (f) =>
      h.kms.send(
        new DeriveSharedSecretCommand({
          KeyId: f.keyId,
          KeyAgreementAlgorithm: "ECDH",
          PublicKey: generateKeyPairSync("ec", { namedCurve: "prime256v1" }).publicKey.export({ type: "spki", format: "der" }),
        }),
      ),
  },
  Decapsulate: {
    kind: "kem",
    call: (f) => h.kms.send(new DecapsulateCommand({ KeyId: f.keyId, SharedSecretCiphertextBlob: f.encapsulated, EncapsulationAlgorithm: "ML_KEM" })),
  },
  DescribeKey: { kind: "symmetric", call: (f) => h.kms.send(new DescribeKeyCommand({ KeyId: f.keyId })) },
  DisableKey: { kind: "symmetric", fresh: true, call: (f) => h.kms.send(new DisableKeyCommand({ KeyId: f.keyId })) },
  DisableKeyRotation: { kind: "symmetric", call: (f) => h.kms.send(new DisableKeyRotationCommand({ KeyId: f.keyId })) },
  EnableKey: { kind: "symmetric", fresh: true, call: (f) => h.kms.send(new EnableKeyCommand({ KeyId: f.keyId })) },
  EnableKeyRotation: { kind: "symmetric", call: (f) => h.kms.send(new EnableKeyRotationCommand({ KeyId: f.keyId })) },
  Encapsulate: { kind: "kem", call: (f) => h.kms.send(new EncapsulateCommand({ KeyId: f.keyId, EncapsulationAlgorithm: "ML_KEM" })) },
  Encrypt: { kind: "symmetric", call: (f) => h.kms.send(new EncryptCommand({ KeyId: f.keyId, Plaintext: MESSAGE })) },
  GenerateDataKey: { kind: "symmetric", call: (f) => h.kms.send(new GenerateDataKeyCommand({ KeyId: f.keyId, KeySpec: "AES_256" })) },
  GenerateDataKeyPair: {
    kind: "symmetric",
    call: (f) => h.kms.send(new GenerateDataKeyPairCommand({ KeyId: f.keyId, KeyPairSpec: "ECC_NIST_P256" })),
  },
  GenerateDataKeyPairWithoutPlaintext: {
    kind: "symmetric",
    call: (f) => h.kms.send(new GenerateDataKeyPairWithoutPlaintextCommand({ KeyId: f.keyId, KeyPairSpec: "ECC_NIST_P256" })),
  },
  GenerateDataKeyWithoutPlaintext: {
    kind: "symmetric",
    call: (f) => h.kms.send(new GenerateDataKeyWithoutPlaintextCommand({ KeyId: f.keyId, KeySpec: "AES_256" })),
  },
  GenerateMac: {
    kind: "hmac",
    call: (f) => h.kms.send(new GenerateMacCommand({ KeyId: f.keyId, MacAlgorithm: "HMAC_SHA_256", Message: MESSAGE })),
  },
  GetKeyPolicy: { kind: "symmetric", call: (f) => h.kms.send(new GetKeyPolicyCommand({ KeyId: f.keyId, PolicyName: "default" })) },
  GetKeyRotationStatus: { kind: "symmetric", call: (f) => h.kms.send(new GetKeyRotationStatusCommand({ KeyId: f.keyId })) },
  GetParametersForImport: {
    kind: "symmetric",
    call: (f) =>
      h.kms.send(new GetParametersForImportCommand({ KeyId: f.keyId, WrappingAlgorithm: "RSAES_OAEP_SHA_256", WrappingKeySpec: "RSA_2048" })),
  },
  GetPublicKey: { kind: "sign", call: (f) => h.kms.send(new GetPublicKeyCommand({ KeyId: f.keyId })) },
  ImportKeyMaterial: {
    kind: "symmetric",
    fresh: true,
    call: (f) =>
      h.kms.send(
        new ImportKeyMaterialCommand({
          KeyId: f.keyId,
          ImportToken: f.reimport?.token ?? randomBytes(64),
          EncryptedKeyMaterial: f.reimport?.encrypted ?? randomBytes(256),
          ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE",
        }),
      ),
  },
  ListAliases: { kind: "symmetric", call: (f) => h.kms.send(new ListAliasesCommand({ KeyId: f.keyId })) },
  ListGrants: { kind: "symmetric", call: (f) => h.kms.send(new ListGrantsCommand({ KeyId: f.keyId })) },
  ListKeyPolicies: { kind: "symmetric", call: (f) => h.kms.send(new ListKeyPoliciesCommand({ KeyId: f.keyId })) },
  ListKeyRotations: { kind: "symmetric", call: (f) => h.kms.send(new ListKeyRotationsCommand({ KeyId: f.keyId })) },
  ListResourceTags: { kind: "symmetric", call: (f) => h.kms.send(new ListResourceTagsCommand({ KeyId: f.keyId })) },
  PutKeyPolicy: {
    kind: "symmetric",
    call: async (f) => {
      const policy = (await h.kms.send(new GetKeyPolicyCommand({ KeyId: f.keyId, PolicyName: "default" }))).Policy;
      return h.kms.send(new PutKeyPolicyCommand({ KeyId: f.keyId, PolicyName: "default", Policy: policy }));
    },
  },
  ReEncrypt: {
    kind: "symmetric",
    // The row applies to both sides: the key as the source, then as the destination.
    call: async (f) => {
      const asSource = h.kms.send(new ReEncryptCommand({ CiphertextBlob: f.ciphertext, DestinationKeyId: helper.keyId }));
      const asDestination = h.kms.send(new ReEncryptCommand({ CiphertextBlob: helper.ciphertext, DestinationKeyId: f.keyId }));
      const [s, d] = await Promise.allSettled([asSource, asDestination]);
      const name = (r: PromiseSettledResult<unknown>) => (r.status === "fulfilled" ? "ok" : (r.reason as Error).name);
      assert.equal(name(s), name(d), "ReEncrypt gives the same outcome on both sides");
      if (s.status === "rejected") throw s.reason;
    },
  },
  RetireGrant: {
    kind: "symmetric",
    fresh: true,
    call: (f) => h.kms.send(new RetireGrantCommand({ KeyId: f.keyId, GrantId: f.grantId })),
  },
  RevokeGrant: {
    kind: "symmetric",
    fresh: true,
    call: (f) => h.kms.send(new RevokeGrantCommand({ KeyId: f.keyId, GrantId: f.grantId })),
  },
  RotateKeyOnDemand: { kind: "symmetric", fresh: true, call: (f) => h.kms.send(new RotateKeyOnDemandCommand({ KeyId: f.keyId })) },
  ScheduleKeyDeletion: {
    kind: "symmetric",
    fresh: true,
    call: (f) => h.kms.send(new ScheduleKeyDeletionCommand({ KeyId: f.keyId, PendingWindowInDays: 7 })),
  },
  Sign: {
    kind: "sign",
    call: (f) => h.kms.send(new SignCommand({ KeyId: f.keyId, Message: MESSAGE, SigningAlgorithm: "ECDSA_SHA_256" })),
  },
  TagResource: {
    kind: "symmetric",
    call: (f) => h.kms.send(new TagResourceCommand({ KeyId: f.keyId, Tags: [{ TagKey: "table", TagValue: "yes" }] })),
  },
  UntagResource: { kind: "symmetric", call: (f) => h.kms.send(new UntagResourceCommand({ KeyId: f.keyId, TagKeys: ["table"] })) },
  UpdateAlias: {
    kind: "symmetric",
    // The row is about the new target: the alias points at an enabled key first.
    call: async (f) => {
      const alias = `alias/ks-move-${randomUUID()}`;
      await h.kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: helper.keyId }));
      return h.kms.send(new UpdateAliasCommand({ AliasName: alias, TargetKeyId: f.keyId }));
    },
  },
  UpdateKeyDescription: {
    kind: "symmetric",
    call: (f) => h.kms.send(new UpdateKeyDescriptionCommand({ KeyId: f.keyId, Description: "from the key-state table" })),
  },
  Verify: {
    kind: "sign",
    call: (f) =>
      h.kms.send(new VerifyCommand({ KeyId: f.keyId, Message: MESSAGE, Signature: f.signature, SigningAlgorithm: "ECDSA_SHA_256" })),
  },
  VerifyMac: {
    kind: "hmac",
    call: (f) => h.kms.send(new VerifyMacCommand({ KeyId: f.keyId, MacAlgorithm: "HMAC_SHA_256", Message: MESSAGE, Mac: f.mac })),
  },
};

/** Key material of each kind, for keys with origin EXTERNAL. */
function materialFor(kind: Kind): Buffer {
  if (kind === "symmetric" || kind === "hmac") return randomBytes(32);
  if (kind === "kem") return mlKemPkcs8FromSeed("ML_KEM_512", randomBytes(64));
  return generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey.export({ type: "pkcs8", format: "der" });
}

/** A key of `kind` and `origin` in `state`, with what the drivers need made while it was enabled. */
async function makeKey(kind: Kind, origin: Origin, state: Reachable): Promise<Fixture> {
  assert.ok(origin === "EXTERNAL" || state !== "PendingImport", "generated keys never wait for an import");
  const created = await h.kms.send(new CreateKeyCommand({ ...KIND_INPUT[kind], ...(origin === "EXTERNAL" ? { Origin: "EXTERNAL" } : {}) }));
  const keyId = created.KeyMetadata?.KeyId ?? "";
  let reimport: Fixture["reimport"];
  if (origin === "EXTERNAL") {
    const p = await h.kms.send(new GetParametersForImportCommand({ KeyId: keyId, WrappingAlgorithm: "RSA_AES_KEY_WRAP_SHA_256", WrappingKeySpec: "RSA_2048" }));
    const encrypted = wrapMaterial(p.PublicKey ?? new Uint8Array(), "RSA_AES_KEY_WRAP_SHA_256", materialFor(kind));
    const token = p.ImportToken ?? new Uint8Array();
    await h.kms.send(new ImportKeyMaterialCommand({ KeyId: keyId, ImportToken: token, EncryptedKeyMaterial: encrypted, ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE" }));
    reimport = { token, encrypted };
    // A symmetric key with imported material rotates on demand to material imported as new.
    if (kind === "symmetric") await importMaterial(h.kms, keyId, randomBytes(32), { importType: "NEW_KEY_MATERIAL" });
  }
  const alias = `alias/ks-${randomUUID()}`;
  await h.kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: keyId }));
  const f: { -readonly [K in keyof Fixture]: Fixture[K] } = { keyId, alias, ...(reimport !== undefined ? { reimport } : {}) };
  if (kind === "symmetric") {
    f.ciphertext = (await h.kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: MESSAGE }))).CiphertextBlob ?? new Uint8Array();
  }
  if (kind === "sign") {
    f.signature = (await h.kms.send(new SignCommand({ KeyId: keyId, Message: MESSAGE, SigningAlgorithm: "ECDSA_SHA_256" }))).Signature ?? new Uint8Array();
  }
  if (kind === "kem") {
    f.encapsulated = (await h.kms.send(new EncapsulateCommand({ KeyId: keyId, EncapsulationAlgorithm: "ML_KEM" }))).SharedSecretCiphertextBlob ?? new Uint8Array();
  }
  if (kind === "hmac") {
    f.mac = (await h.kms.send(new GenerateMacCommand({ KeyId: keyId, MacAlgorithm: "HMAC_SHA_256", Message: MESSAGE }))).Mac ?? new Uint8Array();
  }
  if (implemented("CreateGrant")) {
    const grant = await h.kms.send(
      new CreateGrantCommand({ KeyId: keyId, GranteePrincipal: ROOT, RetiringPrincipal: ROOT, Operations: [GRANT_OPERATION[kind]] }),
    );
    if (grant.GrantId !== undefined) f.grantId = grant.GrantId;
  }
  if (state === "Disabled") await h.kms.send(new DisableKeyCommand({ KeyId: keyId }));
  if (state === "PendingDeletion") await h.kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 30 }));
  if (state === "PendingImport") await h.kms.send(new DeleteImportedKeyMaterialCommand({ KeyId: keyId }));
  const actual = (await h.kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata?.KeyState;
  assert.equal(actual, state, "the key reached the state under test");
  return f;
}

const shared = new Map<string, Promise<Fixture>>();

/** The key a cell runs on: shared by the cells that leave it as it was, fresh for the others. */
function keyFor(driver: Driver, origin: Origin, state: Reachable): Promise<Fixture> {
  if (driver.fresh === true) return makeKey(driver.kind, origin, state);
  const id = `${driver.kind}/${origin}/${state}`;
  let f = shared.get(id);
  if (f === undefined) {
    f = makeKey(driver.kind, origin, state);
    shared.set(id, f);
  }
  return f;
}

async function expectOutcome(p: Promise<unknown>, outcome: StateOutcome): Promise<void> {
  if (outcome === "ok") await p;
  else await expectError(p, outcome);
}

const IMPORT_ROWS = new Set(["GetParametersForImport", "ImportKeyMaterial", "DeleteImportedKeyMaterial"]);

/** The origin of the key each cell of the table describes. */
function tableOrigin(operation: string, state: Reachable): Origin {
  return state === "PendingImport" || IMPORT_ROWS.has(operation) ? "EXTERNAL" : "AWS_KMS";
}

function outcomeOf(operation: string, state: KeyState): StateOutcome {
  const row = KEY_STATE_TABLE[operation];
  assert.ok(row, `${operation} is in the table`);
  return row[state];
}

/** Why an operation cannot be driven here (not implemented by Trent), or undefined. */
function skipReason(operation: string): string | undefined {
  const reason = NOT_IMPLEMENTED[operation as OperationName];
  if (reason !== undefined) return `${operation} is not implemented: ${reason}`;
  if (!implemented(operation)) return `${operation} is not an operation Trent knows`;
  return undefined;
}

setup(async () => {
  const keyId = await createKeyId(h.kms);
  const ciphertext = (await h.kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: MESSAGE }))).CiphertextBlob ?? new Uint8Array();
  helper = { keyId, ciphertext };
});

/** "an Enabled key", "a Disabled key". */
function aKey(state: string): string {
  return `${/^[AEIOU]/.test(state) ? "an" : "a"} ${state} key`;
}

// Cells are independent (a cell that changes its key gets a key of its own), so they run concurrently.
const CONCURRENCY = { concurrency: 8 };

describe("AWS's key-state table, for the keys it describes", CONCURRENCY, () => {
  test("every operation of the table that Trent implements has a driver here", () => {
    const missing = Object.keys(KEY_STATE_TABLE).filter((op) => skipReason(op) === undefined && DRIVERS[op] === undefined);
    assert.deepEqual(missing, []);
  });

  for (const state of KEY_STATES) {
    const reason = UNREACHABLE[state];
    if (reason !== undefined) test(`the ${state} column is not reachable in Trent`, { skip: reason }, () => {});
  }

  for (const operation of Object.keys(KEY_STATE_TABLE).sort()) {
    for (const state of REACHABLE) {
      const expected = outcomeOf(operation, state);
      const origin = tableOrigin(operation, state);
      const title = `${operation} on ${aKey(state)} (${origin === "EXTERNAL" ? "imported material" : "generated material"}): ${expected}`;
      const skip = skipReason(operation);
      test(title, skip !== undefined ? { skip } : {}, async () => {
        const driver = DRIVERS[operation];
        assert.ok(driver);
        await expectOutcome(driver.call(await keyFor(driver, origin, state)), expected);
      });
    }
  }
});

/**
 * The table's "? [7]" cells for keys with imported material: automatic rotation is not available
 * (UnsupportedOperationException); Trent checks the key state first, so a disabled key or one
 * pending deletion gives the state's exception ("[1] or [7]", "[3] or [7]").
 */
const IMPORTED_MATERIAL_CELLS: Readonly<Record<string, Partial<Record<Reachable, StateOutcome>>>> = {
  EnableKeyRotation: { Enabled: "UnsupportedOperationException" },
  DisableKeyRotation: { Enabled: "UnsupportedOperationException" },
  GetKeyRotationStatus: {
    Enabled: "UnsupportedOperationException",
    Disabled: "UnsupportedOperationException",
    PendingDeletion: "UnsupportedOperationException",
  },
};

describe("the key-state table for keys with imported material in the other states", CONCURRENCY, () => {
  for (const operation of Object.keys(KEY_STATE_TABLE).sort()) {
    if (IMPORT_ROWS.has(operation)) continue; // already run on such keys above
    for (const state of ["Enabled", "Disabled", "PendingDeletion"] as const) {
      const expected = IMPORTED_MATERIAL_CELLS[operation]?.[state] ?? outcomeOf(operation, state);
      const skip = skipReason(operation);
      test(`${operation} on ${aKey(state)} with imported material: ${expected}`, skip !== undefined ? { skip } : {}, async () => {
        const driver = DRIVERS[operation];
        assert.ok(driver);
        await expectOutcome(driver.call(await keyFor(driver, "EXTERNAL", state)), expected);
      });
    }
  }
});

describe("the import operations on keys with generated material (footnote [9])", CONCURRENCY, () => {
  const cells: Readonly<Record<string, Record<"Enabled" | "Disabled" | "PendingDeletion", StateOutcome>>> = {
    // [9] UnsupportedOperationException; a key pending deletion: "[8] or [9]", the state is checked first.
    GetParametersForImport: { Enabled: "UnsupportedOperationException", Disabled: "UnsupportedOperationException", PendingDeletion: "KMSInvalidStateException" },
    ImportKeyMaterial: { Enabled: "UnsupportedOperationException", Disabled: "UnsupportedOperationException", PendingDeletion: "KMSInvalidStateException" },
    // "✓ [9]" in every state: it succeeds only for imported material.
    DeleteImportedKeyMaterial: { Enabled: "UnsupportedOperationException", Disabled: "UnsupportedOperationException", PendingDeletion: "UnsupportedOperationException" },
  };
  for (const [operation, row] of Object.entries(cells)) {
    for (const state of ["Enabled", "Disabled", "PendingDeletion"] as const) {
      test(`${operation} on ${aKey(state)} with generated material: ${row[state]}`, async () => {
        const driver = DRIVERS[operation];
        assert.ok(driver);
        await expectOutcome(driver.call(await keyFor(driver, "AWS_KMS", state)), row[state]);
      });
    }
  }
});
