import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { errorShapes, operations, shapes } from "../src/generated/kms-model.js";
import { applyOverlay, defaultModelPath, projectRoot, readModel } from "./gen-model.js";

const root = projectRoot();
const modelPath = defaultModelPath(root);
const model = readModel(modelPath);
const NS = "com.amazonaws.kms#";
const short = (id: string): string => id.slice(id.indexOf("#") + 1);
const modelOperations = Object.entries(model.shapes).filter(([, s]) => s.type === "operation");

function enumValues(name: string): readonly string[] {
  const s = shapes[name];
  assert.ok(s !== undefined && s.type === "string" && s.enum !== undefined, `${name} is not an enum in the tables`);
  return s.enum;
}

describe("gen-model", () => {
  it("the committed generated files are byte for byte what the generator writes from the model", () => {
    const out = mkdtempSync(join(tmpdir(), "trent-gen-model-"));
    try {
      const script = fileURLToPath(new URL("./gen-model.js", import.meta.url));
      execFileSync(process.execPath, [script, modelPath, out], { stdio: "pipe" });
      for (const file of ["kms-model.ts", "kms-types.ts"]) {
        const fresh = readFileSync(join(out, file), "utf8");
        const committed = readFileSync(join(root, "src/generated", file), "utf8");
        assert.ok(fresh === committed, `src/generated/${file} is stale: run npm run gen:model`);
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it("every operation of the model appears in operations with its input and errors", () => {
    assert.equal(modelOperations.length, 53);
    for (const [id, s] of modelOperations) {
      const op = (operations as Readonly<Record<string, (typeof operations)[keyof typeof operations] | undefined>>)[short(id)];
      assert.ok(op !== undefined, `${short(id)} is missing`);
      assert.equal(op.input, short(s.input?.target ?? "smithy.api#Unit"));
      assert.deepEqual(op.errors, (s.errors ?? []).map((e) => short(e.target)));
      if (short(id) !== "DeleteImportedKeyMaterial") assert.equal(op.output, short(s.output?.target ?? "smithy.api#Unit"));
    }
  });

  it("the overlay adds GetKeyLastUsage, Encapsulate and Decapsulate to the model's 53 operations", () => {
    assert.equal(Object.keys(operations).length, 56);
    assert.deepEqual(operations.GetKeyLastUsage, {
      input: "GetKeyLastUsageRequest",
      output: "GetKeyLastUsageResponse",
      errors: ["NotFoundException", "InvalidArnException", "DependencyTimeoutException", "KMSInternalException"],
    });
    assert.equal(operations.Encapsulate.input, "EncapsulateRequest");
    assert.equal(operations.Decapsulate.output, "DecapsulateResponse");
    assert.equal(operations.DeleteImportedKeyMaterial.output, "DeleteImportedKeyMaterialResponse");
  });

  it("every error of every operation appears in errorShapes with the model's fault and httpError", () => {
    for (const [, s] of modelOperations) {
      for (const e of s.errors ?? []) {
        const traits = model.shapes[e.target]?.traits ?? {};
        assert.deepEqual(errorShapes[short(e.target)], { fault: traits["smithy.api#error"], httpError: traits["smithy.api#httpError"] });
      }
    }
    assert.deepEqual(errorShapes["KMSInternalException"], { fault: "server", httpError: 500 });
  });

  it("every shape reachable from an operation is in shapes, with its constraints", () => {
    for (const [, s] of modelOperations) {
      for (const ref of [s.input, s.output]) if (ref !== undefined) assert.ok(shapes[short(ref.target)] !== undefined);
    }
    assert.deepEqual(shapes["KeyIdType"], { type: "string", length: { min: 1, max: 2048 } });
    assert.deepEqual(shapes["NumberOfBytesType"], { type: "integer", range: { min: 1, max: 1024 } });
    assert.deepEqual(shapes["GrantTokenList"], { type: "list", member: "GrantTokenType", length: { min: 0, max: 10 } });
    assert.deepEqual(shapes["EncryptionContextType"], { type: "map", key: "EncryptionContextKey", value: "EncryptionContextValue" });
    assert.deepEqual(shapes["AliasNameType"], { type: "string", length: { min: 1, max: 256 }, pattern: "^[a-zA-Z0-9:/_-]+$" });
    const encrypt = shapes["EncryptRequest"];
    assert.ok(encrypt !== undefined && encrypt.type === "structure");
    assert.deepEqual(Object.keys(encrypt.members), ["KeyId", "Plaintext", "EncryptionContext", "GrantTokens", "EncryptionAlgorithm", "DryRun"]);
    assert.deepEqual(encrypt.members["KeyId"], { target: "KeyIdType", required: true });
  });

  it("marks the model's sensitive shapes", () => {
    for (const name of ["PlaintextType", "KeyStorePasswordType", "XksProxyAuthenticationAccessKeyIdType", "XksProxyAuthenticationRawSecretAccessKeyType"]) {
      const s = shapes[name];
      assert.ok(s !== undefined && (s.type === "blob" || s.type === "string") && s.sensitive === true, `${name} is not sensitive`);
    }
    const ciphertext = shapes["CiphertextType"];
    assert.ok(ciphertext !== undefined && ciphertext.type === "blob" && ciphertext.sensitive === undefined);
  });

  it("carries the key specs, algorithms and message type AWS added after the snapshot", () => {
    for (const v of ["ML_DSA_44", "ML_DSA_65", "ML_DSA_87", "ECC_NIST_EDWARDS25519"]) assert.ok(enumValues("KeySpec").includes(v), v);
    for (const v of ["ML_DSA_SHAKE_256", "ED25519_SHA_512", "ED25519_PH_SHA_512"]) assert.ok(enumValues("SigningAlgorithmSpec").includes(v), v);
    assert.ok(enumValues("MessageType").includes("EXTERNAL_MU"));
    assert.ok(enumValues("DataKeyPairSpec").includes("ECC_NIST_EDWARDS25519"));
    // Model values keep their order; additions come after them.
    assert.deepEqual(enumValues("MessageType"), ["RAW", "DIGEST", "EXTERNAL_MU"]);
  });

  it("every enum value and structure member of the installed @aws-sdk/client-kms is in the tables", () => {
    const sdkDir = join(root, "node_modules/@aws-sdk/client-kms");
    const enumsText = readFileSync(join(sdkDir, "dist-types/models/enums.d.ts"), "utf8");
    for (const m of enumsText.matchAll(/export declare const (\w+): \{([^}]*)\}/g)) {
      const [, name = "", body = ""] = m;
      for (const v of body.matchAll(/readonly \w+: "([^"]*)"/g)) assert.ok(enumValues(name).includes(v[1] ?? ""), `${name} lacks ${v[1]}`);
    }
    const require = createRequire(import.meta.url);
    const sdk = require(join(sdkDir, "dist-cjs/index.js")) as Record<string, unknown>;
    let structures = 0;
    for (const value of Object.values(sdk)) {
      // Schema tuples: [3, namespace, name, traits, memberNames, memberSchemas, requiredCount?].
      if (!Array.isArray(value) || value[0] !== 3 || typeof value[2] !== "string" || !Array.isArray(value[4])) continue;
      const s = shapes[value[2]];
      if (s === undefined) continue; // not reachable from an operation (e.g. the service exception base)
      assert.ok(s.type === "structure", `${value[2]} is not a structure`);
      for (const member of value[4] as unknown[]) assert.ok(typeof member === "string" && s.members[member] !== undefined, `${value[2]} lacks ${String(member)}`);
      structures++;
    }
    assert.ok(structures > 100, `only ${structures} SDK structures compared`);
  });

  it("applyOverlay refuses an overlay that no longer fits the model", () => {
    const overlaid = applyOverlay(model);
    assert.throws(() => applyOverlay(overlaid), /already/);
    assert.equal(model.shapes[NS + "GetKeyLastUsage"], undefined, "applyOverlay must not modify its input");
  });
});
