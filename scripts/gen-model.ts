/**
 * Generates the wire-contract tables from the AWS KMS Smithy model.
 *
 *   node dist/scripts/gen-model.js [MODEL_JSON] [OUT_DIR]
 *
 * MODEL_JSON defaults to `../shared/aws-kms-model/kms-2014-11-01.json` relative to the project
 * root; OUT_DIR defaults to `src/generated`. It writes two files, both committed:
 *   - kms-model.ts  compact runtime tables (shapes, operations, errorShapes), no documentation
 *   - kms-types.ts  TypeScript interfaces of every operation's input and output
 *
 * The model is the 2025-04 snapshot; OVERLAY below adds what AWS shipped after it. Output is
 * deterministic (sorted shapes and operations, members in model order), so a test can regenerate
 * and compare byte for byte.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

// ---------------------------------------------------------------------------------------------
// Smithy JSON AST (the subset this generator reads)
// ---------------------------------------------------------------------------------------------

type Traits = Record<string, unknown>;

interface SmithyRef {
  target: string;
  traits?: Traits;
}

interface SmithyShape {
  type: string;
  members?: Record<string, SmithyRef>;
  member?: SmithyRef;
  key?: SmithyRef;
  value?: SmithyRef;
  input?: SmithyRef;
  output?: SmithyRef;
  errors?: SmithyRef[];
  traits?: Traits;
}

interface SmithyModel {
  smithy: string;
  shapes: Record<string, SmithyShape>;
}

const NS = "com.amazonaws.kms#";
const T_REQUIRED = "smithy.api#required";
const T_LENGTH = "smithy.api#length";
const T_RANGE = "smithy.api#range";
const T_PATTERN = "smithy.api#pattern";
const T_SENSITIVE = "smithy.api#sensitive";
const T_ENUM = "smithy.api#enum";
const T_ENUM_VALUE = "smithy.api#enumValue";
const T_ERROR = "smithy.api#error";
const T_HTTP_ERROR = "smithy.api#httpError";

// ---------------------------------------------------------------------------------------------
// OVERLAY: what AWS added after the 2025-04 model snapshot.
//
// Sources, in order of preference:
//   [bc]  botocore 1.43.11 `data/kms/2014-11-01/service-2.json` (a later AWS model with exact
//         length/pattern constraints; it has GetKeyLastUsage and the key-material ids).
//   [sdk] @aws-sdk/client-kms 3.1162.0 typings and schemas (dist-types/models/*.d.ts,
//         dist-es/schemas/schemas_0.js): members, required-ness, enum values and sensitive
//         flags, but no length/pattern constraints. Where only [sdk] knows a member, its target
//         shape is chosen below from the closest existing shape and marked "guessed".
// Enum values are appended after the model's own values; members are inserted where the newer
// model puts them. Keep this minimal and exact: every line names its source.
// ---------------------------------------------------------------------------------------------

interface MemberAddition {
  readonly shape: string;
  readonly name: string;
  readonly target: string;
  /** Insert after this member; absent means append. */
  readonly after?: string;
}

interface OperationAddition {
  readonly input: string;
  readonly output: string;
  readonly errors: readonly string[];
}

interface Overlay {
  readonly shapes: Readonly<Record<string, SmithyShape>>;
  readonly members: readonly MemberAddition[];
  readonly notRequired: readonly (readonly [shape: string, member: string])[];
  readonly enumValues: Readonly<Record<string, readonly string[]>>;
  readonly patterns: Readonly<Record<string, string>>;
  readonly operations: Readonly<Record<string, OperationAddition>>;
  readonly outputs: Readonly<Record<string, string>>;
}

function ref(shortName: string, required = false): SmithyRef {
  return required ? { target: NS + shortName, traits: { [T_REQUIRED]: {} } } : { target: NS + shortName };
}

function stringShape(min: number, max: number, pattern?: string): SmithyShape {
  const traits: Traits = { [T_LENGTH]: { min, max } };
  if (pattern !== undefined) traits[T_PATTERN] = pattern;
  return { type: "string", traits };
}

function enumShape(values: readonly string[]): SmithyShape {
  const members: Record<string, SmithyRef> = {};
  for (const v of values) members[v] = { target: "smithy.api#Unit", traits: { [T_ENUM_VALUE]: v } };
  return { type: "enum", members };
}

function structShape(members: Record<string, SmithyRef>): SmithyShape {
  return { type: "structure", members };
}

const OVERLAY: Overlay = {
  shapes: {
    AccountIdType: stringShape(12, 12, "[0-9]{12}"), // [bc]
    BackingKeyIdType: stringShape(64, 64, "^[a-f0-9]+$"), // [bc]
    BackingKeyIdResponseType: stringShape(0, 64, "^[a-f0-9]+$"), // [bc]
    KeyMaterialDescriptionType: stringShape(0, 256, "^[a-zA-Z0-9:/_\\s.-]+$"), // [bc]
    CloudTrailEventIdType: { type: "string" }, // [bc]
    KmsRequestIdType: { type: "string" }, // [bc]
    DryRunModifierType: enumShape(["IGNORE_CIPHERTEXT"]), // [bc]
    DryRunModifierList: { type: "list", member: ref("DryRunModifierType") }, // [bc]
    ImportType: enumShape(["NEW_KEY_MATERIAL", "EXISTING_KEY_MATERIAL"]), // [bc]
    ImportState: enumShape(["IMPORTED", "PENDING_IMPORT"]), // [bc]
    IncludeKeyMaterial: enumShape(["ALL_KEY_MATERIAL", "ROTATIONS_ONLY"]), // [bc]
    KeyMaterialState: enumShape([
      "NON_CURRENT",
      "CURRENT",
      "PENDING_ROTATION",
      "PENDING_MULTI_REGION_IMPORT_AND_ROTATION",
    ]), // [bc]
    // [bc] plus Encapsulate/Decapsulate from [sdk].
    KeyLastUsageTrackingOperation: enumShape([
      "Decrypt",
      "DeriveSharedSecret",
      "Encrypt",
      "GenerateDataKey",
      "GenerateDataKeyPair",
      "GenerateDataKeyPairWithoutPlaintext",
      "GenerateDataKeyWithoutPlaintext",
      "GenerateMac",
      "ReEncrypt",
      "Sign",
      "Verify",
      "VerifyMac",
      "Encapsulate",
      "Decapsulate",
    ]),
    KeyLastUsageData: structShape({
      Operation: ref("KeyLastUsageTrackingOperation"),
      Timestamp: ref("DateType"),
      CloudTrailEventId: ref("CloudTrailEventIdType"),
      KmsRequestId: ref("KmsRequestIdType"),
    }), // [bc]
    GetKeyLastUsageRequest: structShape({ KeyId: ref("KeyIdType", true) }), // [bc]
    GetKeyLastUsageResponse: structShape({
      KeyId: ref("KeyIdType"),
      KeyLastUsage: ref("KeyLastUsageData"),
      TrackingStartDate: ref("DateType"),
      KeyCreationDate: ref("DateType"),
    }), // [bc]
    DeleteImportedKeyMaterialResponse: structShape({
      KeyId: ref("KeyIdType"),
      KeyMaterialId: ref("BackingKeyIdResponseType"),
    }), // [bc]
    // ML-KEM key encapsulation [sdk]. Targets guessed: SharedSecret is PlaintextType (the SDK
    // schema says so); SharedSecretCiphertextBlob is taken as CiphertextType (1..6144 bytes; an
    // ML-KEM-1024 ciphertext is 1568 bytes).
    EncapsulationAlgorithmSpec: enumShape(["ML_KEM"]),
    EncapsulationAlgorithmSpecList: { type: "list", member: ref("EncapsulationAlgorithmSpec") },
    EncapsulateRequest: structShape({
      KeyId: ref("KeyIdType", true),
      EncapsulationAlgorithm: ref("EncapsulationAlgorithmSpec", true),
      GrantTokens: ref("GrantTokenList"),
      DryRun: ref("NullableBooleanType"),
    }),
    EncapsulateResponse: structShape({
      KeyId: ref("KeyIdType"),
      SharedSecret: ref("PlaintextType"),
      SharedSecretCiphertextBlob: ref("CiphertextType"),
      EncapsulationAlgorithm: ref("EncapsulationAlgorithmSpec"),
    }),
    DecapsulateRequest: structShape({
      KeyId: ref("KeyIdType", true),
      SharedSecretCiphertextBlob: ref("CiphertextType", true),
      EncapsulationAlgorithm: ref("EncapsulationAlgorithmSpec", true),
      GrantTokens: ref("GrantTokenList"),
      DryRun: ref("NullableBooleanType"),
    }),
    DecapsulateResponse: structShape({
      KeyId: ref("KeyIdType"),
      SharedSecret: ref("PlaintextType"),
      EncapsulationAlgorithm: ref("EncapsulationAlgorithmSpec"),
    }),
    // Grant constraint SourceArn [sdk]; constraints as documented in the KMS API reference
    // (length 20..512, pattern below): not confirmed from a model file.
    SourceArnType: stringShape(20, 512, "^arn:aws[a-z0-9-]*:[a-z0-9-]+:[a-z0-9-]*:[0-9]{12}:.+$"),
  },
  members: [
    // [bc]
    { shape: "CreateCustomKeyStoreRequest", name: "XksProxyVpcEndpointServiceOwner", target: "AccountIdType", after: "XksProxyVpcEndpointServiceName" },
    { shape: "UpdateCustomKeyStoreRequest", name: "XksProxyVpcEndpointServiceOwner", target: "AccountIdType", after: "XksProxyVpcEndpointServiceName" },
    { shape: "XksProxyConfigurationType", name: "VpcEndpointServiceOwner", target: "AccountIdType" },
    { shape: "DecryptRequest", name: "DryRunModifiers", target: "DryRunModifierList" },
    { shape: "ReEncryptRequest", name: "DryRunModifiers", target: "DryRunModifierList" },
    { shape: "DecryptResponse", name: "KeyMaterialId", target: "BackingKeyIdType" },
    { shape: "GenerateDataKeyResponse", name: "KeyMaterialId", target: "BackingKeyIdType" },
    { shape: "GenerateDataKeyWithoutPlaintextResponse", name: "KeyMaterialId", target: "BackingKeyIdType" },
    { shape: "GenerateDataKeyPairResponse", name: "KeyMaterialId", target: "BackingKeyIdType" },
    { shape: "GenerateDataKeyPairWithoutPlaintextResponse", name: "KeyMaterialId", target: "BackingKeyIdType" },
    { shape: "ReEncryptResponse", name: "SourceKeyMaterialId", target: "BackingKeyIdType" },
    { shape: "ReEncryptResponse", name: "DestinationKeyMaterialId", target: "BackingKeyIdType" },
    { shape: "DeleteImportedKeyMaterialRequest", name: "KeyMaterialId", target: "BackingKeyIdType" },
    { shape: "ImportKeyMaterialRequest", name: "ImportType", target: "ImportType" },
    { shape: "ImportKeyMaterialRequest", name: "KeyMaterialDescription", target: "KeyMaterialDescriptionType" },
    { shape: "ImportKeyMaterialRequest", name: "KeyMaterialId", target: "BackingKeyIdType" },
    { shape: "ImportKeyMaterialResponse", name: "KeyId", target: "KeyIdType" },
    { shape: "ImportKeyMaterialResponse", name: "KeyMaterialId", target: "BackingKeyIdType" },
    { shape: "KeyMetadata", name: "CurrentKeyMaterialId", target: "BackingKeyIdType" },
    { shape: "ListKeyRotationsRequest", name: "IncludeKeyMaterial", target: "IncludeKeyMaterial", after: "KeyId" },
    { shape: "RotationsListEntry", name: "KeyMaterialId", target: "BackingKeyIdType", after: "KeyId" },
    { shape: "RotationsListEntry", name: "KeyMaterialDescription", target: "KeyMaterialDescriptionType", after: "KeyMaterialId" },
    { shape: "RotationsListEntry", name: "ImportState", target: "ImportState", after: "KeyMaterialDescription" },
    { shape: "RotationsListEntry", name: "KeyMaterialState", target: "KeyMaterialState", after: "ImportState" },
    { shape: "RotationsListEntry", name: "ExpirationModel", target: "ExpirationModelType", after: "KeyMaterialState" },
    { shape: "RotationsListEntry", name: "ValidTo", target: "DateType", after: "ExpirationModel" },
    // [sdk] ML-KEM algorithms in key descriptions.
    { shape: "KeyMetadata", name: "EncapsulationAlgorithms", target: "EncapsulationAlgorithmSpecList", after: "KeyAgreementAlgorithms" },
    { shape: "GetPublicKeyResponse", name: "EncapsulationAlgorithms", target: "EncapsulationAlgorithmSpecList" },
    // [sdk] service-principal grants. Target guessed: PrincipalIdType (1..256, ^[\w+=,.@:/-]+$),
    // which every service principal name satisfies.
    { shape: "CreateGrantRequest", name: "GranteeServicePrincipal", target: "PrincipalIdType" },
    { shape: "CreateGrantRequest", name: "RetiringServicePrincipal", target: "PrincipalIdType" },
    { shape: "GrantListEntry", name: "GranteeServicePrincipal", target: "PrincipalIdType" },
    { shape: "GrantListEntry", name: "RetiringServicePrincipal", target: "PrincipalIdType" },
    { shape: "ListGrantsRequest", name: "GranteeServicePrincipal", target: "PrincipalIdType" },
    { shape: "ListRetirableGrantsRequest", name: "RetiringServicePrincipal", target: "PrincipalIdType" },
    { shape: "GrantConstraints", name: "SourceArn", target: "SourceArnType" },
  ],
  notRequired: [
    ["DecryptRequest", "CiphertextBlob"], // [bc] optional with DryRunModifiers=IGNORE_CIPHERTEXT
    ["ReEncryptRequest", "CiphertextBlob"], // [bc]
    ["CreateGrantRequest", "GranteePrincipal"], // [sdk] or GranteeServicePrincipal
    ["ListRetirableGrantsRequest", "RetiringPrincipal"], // [sdk] or RetiringServicePrincipal
  ],
  enumValues: {
    KeySpec: ["ML_DSA_44", "ML_DSA_65", "ML_DSA_87", "ECC_NIST_EDWARDS25519", "ML_KEM_512", "ML_KEM_768", "ML_KEM_1024"], // [bc] + ML_KEM [sdk]
    DataKeyPairSpec: ["ECC_NIST_EDWARDS25519", "ML_KEM_512", "ML_KEM_768", "ML_KEM_1024"], // [bc] + ML_KEM [sdk]
    SigningAlgorithmSpec: ["ML_DSA_SHAKE_256", "ED25519_SHA_512", "ED25519_PH_SHA_512"], // [bc]
    MessageType: ["EXTERNAL_MU"], // [bc]
    KeyUsageType: ["ENCAPSULATE_DECAPSULATE"], // [sdk]
    GrantOperation: ["Encapsulate", "Decapsulate"], // [sdk]
  },
  patterns: {
    // [bc] AWS dropped the anchors of these four and widened the VPC endpoint service name.
    CloudHsmClusterIdType: "cluster-[2-7a-zA-Z]{11,16}",
    MarkerType: "[\\u0020-\\u00FF]*",
    PolicyNameType: "[\\w]+",
    PolicyType: "[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+",
    XksProxyVpcEndpointServiceNameType: "^(com|eu)\\.amazonaws\\.vpce\\.([a-z]+-){2,3}\\d+\\.vpce-svc-[0-9a-z]+$",
  },
  operations: {
    GetKeyLastUsage: {
      input: "GetKeyLastUsageRequest",
      output: "GetKeyLastUsageResponse",
      errors: ["NotFoundException", "InvalidArnException", "DependencyTimeoutException", "KMSInternalException"],
    }, // [bc]
    Encapsulate: {
      input: "EncapsulateRequest",
      output: "EncapsulateResponse",
      errors: [
        "DependencyTimeoutException",
        "DisabledException",
        "DryRunOperationException",
        "InvalidGrantTokenException",
        "InvalidKeyUsageException",
        "KeyUnavailableException",
        "KMSInternalException",
        "KMSInvalidStateException",
        "NotFoundException",
      ],
    }, // [sdk] (@throws of EncapsulateCommand)
    Decapsulate: {
      input: "DecapsulateRequest",
      output: "DecapsulateResponse",
      errors: [
        "DependencyTimeoutException",
        "DisabledException",
        "DryRunOperationException",
        "InvalidCiphertextException",
        "InvalidGrantTokenException",
        "InvalidKeyUsageException",
        "KeyUnavailableException",
        "KMSInternalException",
        "KMSInvalidStateException",
        "NotFoundException",
      ],
    }, // [sdk] (@throws of DecapsulateCommand)
  },
  outputs: {
    DeleteImportedKeyMaterial: "DeleteImportedKeyMaterialResponse", // [bc] was Unit
  },
};

/** Returns a deep copy of `model` with OVERLAY applied. Throws when the overlay no longer fits. */
export function applyOverlay(model: SmithyModel, overlay: Overlay = OVERLAY): SmithyModel {
  const shapes = structuredClone(model.shapes);
  const get = (name: string): SmithyShape => {
    const s = shapes[NS + name];
    if (s === undefined) throw new Error(`overlay: no shape ${name}`);
    return s;
  };
  for (const [name, shape] of Object.entries(overlay.shapes)) {
    if (shapes[NS + name] !== undefined) throw new Error(`overlay: shape ${name} already in the model`);
    shapes[NS + name] = structuredClone(shape);
  }
  for (const add of overlay.members) {
    const s = get(add.shape);
    const members = s.members ?? {};
    if (members[add.name] !== undefined) throw new Error(`overlay: ${add.shape}.${add.name} already in the model`);
    get(add.target);
    const entries = Object.entries(members);
    const at = add.after === undefined ? entries.length : entries.findIndex(([n]) => n === add.after) + 1;
    if (add.after !== undefined && at === 0) throw new Error(`overlay: ${add.shape} has no member ${add.after}`);
    entries.splice(at, 0, [add.name, { target: NS + add.target }]);
    s.members = Object.fromEntries(entries);
  }
  for (const [shape, member] of overlay.notRequired) {
    const m = get(shape).members?.[member];
    if (m?.traits?.[T_REQUIRED] === undefined) throw new Error(`overlay: ${shape}.${member} is not required`);
    delete m.traits[T_REQUIRED];
  }
  for (const [name, values] of Object.entries(overlay.enumValues)) {
    const s = get(name);
    if (s.type !== "enum" || s.members === undefined) throw new Error(`overlay: ${name} is not an enum`);
    for (const v of values) {
      if (s.members[v] !== undefined) throw new Error(`overlay: ${name} already has ${v}`);
      s.members[v] = { target: "smithy.api#Unit", traits: { [T_ENUM_VALUE]: v } };
    }
  }
  for (const [name, pattern] of Object.entries(overlay.patterns)) {
    const s = get(name);
    if (s.traits?.[T_PATTERN] === undefined) throw new Error(`overlay: ${name} has no pattern`);
    s.traits[T_PATTERN] = pattern;
  }
  for (const [name, op] of Object.entries(overlay.operations)) {
    if (shapes[NS + name] !== undefined) throw new Error(`overlay: operation ${name} already in the model`);
    get(op.input);
    get(op.output);
    for (const e of op.errors) get(e);
    shapes[NS + name] = {
      type: "operation",
      input: { target: NS + op.input },
      output: { target: NS + op.output },
      errors: op.errors.map((e) => ({ target: NS + e })),
    };
  }
  for (const [opName, output] of Object.entries(overlay.outputs)) {
    const op = get(opName);
    get(output);
    op.output = { target: NS + output };
  }
  return { smithy: model.smithy, shapes };
}

// ---------------------------------------------------------------------------------------------
// Table building
// ---------------------------------------------------------------------------------------------

interface Bounds {
  min?: number;
  max?: number;
}

type Spec =
  | { type: "structure"; members: Record<string, { target: string; required?: true }> }
  | { type: "string"; length?: Bounds; pattern?: string; enum?: string[]; sensitive?: true }
  | { type: "blob"; length?: Bounds; sensitive?: true }
  | { type: "integer"; range?: Bounds }
  | { type: "boolean" }
  | { type: "timestamp" }
  | { type: "list"; member: string; length?: Bounds }
  | { type: "map"; key: string; value: string; length?: Bounds };

interface Tables {
  shapes: Map<string, Spec>;
  operations: Map<string, { input: string; output: string; errors: string[] }>;
  errorShapes: Map<string, { fault: "client" | "server"; httpError: number }>;
}

const PRELUDE: Readonly<Record<string, Spec>> = {
  "smithy.api#Unit": { type: "structure", members: {} },
  "smithy.api#String": { type: "string" },
  "smithy.api#Blob": { type: "blob" },
  "smithy.api#Integer": { type: "integer" },
  "smithy.api#Boolean": { type: "boolean" },
  "smithy.api#PrimitiveBoolean": { type: "boolean" },
  "smithy.api#Timestamp": { type: "timestamp" },
};

function shortName(id: string): string {
  const i = id.indexOf("#");
  return i < 0 ? id : id.slice(i + 1);
}

function bounds(v: unknown, what: string): Bounds | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== "object" || v === null) throw new Error(`${what}: bad bounds`);
  const out: Bounds = {};
  const o = v as Record<string, unknown>;
  if (typeof o["min"] === "number") out.min = o["min"];
  if (typeof o["max"] === "number") out.max = o["max"];
  return out;
}

function sensitive(traits: Traits | undefined): boolean {
  return traits?.[T_SENSITIVE] !== undefined;
}

function toSpec(id: string, s: SmithyShape): Spec {
  const tr = s.traits;
  const length = bounds(tr?.[T_LENGTH], id);
  switch (s.type) {
    case "structure": {
      const members: Record<string, { target: string; required?: true }> = {};
      for (const [name, m] of Object.entries(s.members ?? {})) {
        members[name] =
          m.traits?.[T_REQUIRED] !== undefined ? { target: shortName(m.target), required: true } : { target: shortName(m.target) };
      }
      return { type: "structure", members };
    }
    case "string":
    case "enum": {
      const spec: Spec = { type: "string" };
      if (length !== undefined) spec.length = length;
      if (typeof tr?.[T_PATTERN] === "string") spec.pattern = tr[T_PATTERN];
      if (s.type === "enum") {
        spec.enum = Object.entries(s.members ?? {}).map(([name, m]) => {
          const v = m.traits?.[T_ENUM_VALUE];
          return typeof v === "string" ? v : name;
        });
      } else if (Array.isArray(tr?.[T_ENUM])) {
        spec.enum = (tr[T_ENUM] as unknown[]).map((e) => {
          const v = (e as Record<string, unknown>)["value"];
          if (typeof v !== "string") throw new Error(`${id}: bad enum trait`);
          return v;
        });
      }
      if (sensitive(tr)) spec.sensitive = true;
      return spec;
    }
    case "blob": {
      const spec: Spec = { type: "blob" };
      if (length !== undefined) spec.length = length;
      if (sensitive(tr)) spec.sensitive = true;
      return spec;
    }
    case "integer": {
      const spec: Spec = { type: "integer" };
      const range = bounds(tr?.[T_RANGE], id);
      if (range !== undefined) spec.range = range;
      return spec;
    }
    case "boolean":
      return { type: "boolean" };
    case "timestamp":
      return { type: "timestamp" };
    case "list": {
      if (s.member === undefined) throw new Error(`${id}: list without member`);
      const spec: Spec = { type: "list", member: shortName(s.member.target) };
      if (length !== undefined) spec.length = length;
      return spec;
    }
    case "map": {
      if (s.key === undefined || s.value === undefined) throw new Error(`${id}: map without key/value`);
      const spec: Spec = { type: "map", key: shortName(s.key.target), value: shortName(s.value.target) };
      if (length !== undefined) spec.length = length;
      return spec;
    }
    default:
      throw new Error(`${id}: shape type ${s.type} is not supported by the generator`);
  }
}

export function buildTables(model: SmithyModel): Tables {
  const shapes = new Map<string, Spec>();
  const visit = (id: string): void => {
    const name = shortName(id);
    if (shapes.has(name)) return;
    const prelude = PRELUDE[id];
    const s = model.shapes[id];
    if (prelude === undefined && s === undefined) throw new Error(`unknown shape ${id}`);
    if (prelude === undefined && s !== undefined && sensitive(s.traits) && s.type !== "blob" && s.type !== "string") {
      throw new Error(`${id}: sensitive ${s.type} is not supported by the generator`);
    }
    const spec = prelude ?? toSpec(id, s as SmithyShape);
    shapes.set(name, spec);
    if (s === undefined) return;
    for (const m of Object.values(s.members ?? {})) if (s.type === "structure") visit(m.target);
    if (s.member) visit(s.member.target);
    if (s.key) visit(s.key.target);
    if (s.value) visit(s.value.target);
  };

  const operations = new Map<string, { input: string; output: string; errors: string[] }>();
  const errorShapes = new Map<string, { fault: "client" | "server"; httpError: number }>();
  for (const [id, s] of Object.entries(model.shapes)) {
    if (s.type !== "operation") continue;
    const input = s.input?.target ?? "smithy.api#Unit";
    const output = s.output?.target ?? "smithy.api#Unit";
    visit(input);
    visit(output);
    const errors = (s.errors ?? []).map((e) => shortName(e.target));
    for (const e of s.errors ?? []) {
      const es = model.shapes[e.target];
      const fault = es?.traits?.[T_ERROR];
      const http = es?.traits?.[T_HTTP_ERROR];
      if (fault !== "client" && fault !== "server") throw new Error(`${e.target}: not an error shape`);
      errorShapes.set(shortName(e.target), { fault, httpError: typeof http === "number" ? http : fault === "client" ? 400 : 500 });
    }
    operations.set(shortName(id), { input: shortName(input), output: shortName(output), errors });
  }
  return { shapes, operations, errorShapes };
}

// ---------------------------------------------------------------------------------------------
// Emitters (deterministic formatting)
// ---------------------------------------------------------------------------------------------

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function key(k: string): string {
  return IDENT.test(k) ? k : JSON.stringify(k);
}

function inline(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(inline).join(", ")}]`;
  if (typeof v === "object" && v !== null) {
    const parts = Object.entries(v).map(([k, x]) => `${key(k)}: ${inline(x)}`);
    return parts.length === 0 ? "{}" : `{ ${parts.join(", ")} }`;
  }
  return JSON.stringify(v);
}

/**
 * Formats `v` starting at column `col` of a line indented by `indent`, breaking objects and
 * arrays over lines when the line would exceed 100 columns.
 */
function block(v: unknown, indent: string, col: number): string {
  const flat = inline(v);
  if (col + flat.length + 1 <= 100 || typeof v !== "object" || v === null) return flat;
  const inner = indent + "  ";
  if (Array.isArray(v)) return `[\n${v.map((x) => `${inner}${block(x, inner, inner.length)},\n`).join("")}${indent}]`;
  const lines = Object.entries(v).map(([k, x]) => `${inner}${key(k)}: ${block(x, inner, inner.length + key(k).length + 2)},\n`);
  return `{\n${lines.join("")}${indent}}`;
}

function sorted<T>(m: Map<string, T>): [string, T][] {
  return [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function structureBlock(spec: Spec & { type: "structure" }): string {
  const lines = Object.entries(spec.members).map(([name, m]) => `      ${key(name)}: ${inline(m)},\n`);
  return lines.length === 0 ? `{ type: "structure", members: {} }` : `{\n    type: "structure",\n    members: {\n${lines.join("")}    },\n  }`;
}

const HEADER = `// Generated by scripts/gen-model.ts from the AWS KMS Smithy model (kms-2014-11-01.json,
// 2025-04 snapshot) plus the overlay in that script. Do not edit: run \`npm run gen:model\`.
`;

export function emitModel(t: Tables): string {
  let out = HEADER;
  out += `import type { OperationName } from "./kms-types.js";

export interface Bounds {
  readonly min?: number;
  readonly max?: number;
}
export interface MemberSpec {
  readonly target: string;
  readonly required?: true;
}
export interface StructureSpec {
  readonly type: "structure";
  readonly members: Readonly<Record<string, MemberSpec>>;
}
export interface StringSpec {
  readonly type: "string";
  readonly length?: Bounds;
  readonly pattern?: string;
  readonly enum?: readonly string[];
  readonly sensitive?: true;
}
export interface BlobSpec {
  readonly type: "blob";
  readonly length?: Bounds;
  readonly sensitive?: true;
}
export interface IntegerSpec {
  readonly type: "integer";
  readonly range?: Bounds;
}
export interface BooleanSpec {
  readonly type: "boolean";
}
export interface TimestampSpec {
  readonly type: "timestamp";
}
export interface ListSpec {
  readonly type: "list";
  readonly member: string;
  readonly length?: Bounds;
}
export interface MapSpec {
  readonly type: "map";
  readonly key: string;
  readonly value: string;
  readonly length?: Bounds;
}
export type ShapeSpec =
  | StructureSpec
  | StringSpec
  | BlobSpec
  | IntegerSpec
  | BooleanSpec
  | TimestampSpec
  | ListSpec
  | MapSpec;
export interface OperationSpec {
  readonly input: string;
  readonly output: string;
  readonly errors: readonly string[];
}
export interface ErrorShapeSpec {
  readonly fault: "client" | "server";
  readonly httpError: number;
}

/** Every shape reachable from an operation's input or output, by short name. */
export const shapes: Readonly<Record<string, ShapeSpec>> = {
`;
  for (const [name, spec] of sorted(t.shapes)) {
    const body = spec.type === "structure" ? structureBlock(spec) : block(spec, "  ", key(name).length + 4);
    out += `  ${key(name)}: ${body},\n`;
  }
  out += `};

export const operations: Readonly<Record<OperationName, OperationSpec>> = {
`;
  for (const [name, op] of sorted(t.operations)) {
    out += `  ${key(name)}: ${block(op, "  ", key(name).length + 4)},\n`;
  }
  out += `};

/** Modelled errors: fault and the model's httpError trait (the wire status is policy, see domain/errors.ts). */
export const errorShapes: Readonly<Record<string, ErrorShapeSpec>> = {
`;
  for (const [name, e] of sorted(t.errorShapes)) out += `  ${key(name)}: ${inline(e)},\n`;
  out += "};\n";
  return out;
}

function tsType(t: Tables, name: string): string {
  const s = t.shapes.get(name);
  if (s === undefined) throw new Error(`no shape ${name}`);
  switch (s.type) {
    case "structure":
      return name;
    case "string":
      return s.enum !== undefined ? name : "string";
    case "blob":
      return s.sensitive ? "SecretBytes" : "Uint8Array";
    case "integer":
      return "number";
    case "boolean":
      return "boolean";
    case "timestamp":
      return "Date";
    case "list":
      return `${tsType(t, s.member)}[]`;
    case "map":
      return `Record<string, ${tsType(t, s.value)}>`;
  }
}

export function emitTypes(t: Tables): string {
  let out = HEADER;
  const usesSecret = [...t.shapes.values()].some((s) => s.type === "blob" && s.sensitive === true);
  if (usesSecret) out += `import type { SecretBytes } from "../crypto/secret-bytes.js";\n`;
  for (const [name, s] of sorted(t.shapes)) {
    if (s.type === "string" && s.enum !== undefined) {
      out += `\nexport type ${name} =\n${s.enum.map((v) => `  | ${JSON.stringify(v)}`).join("\n")};\n`;
    } else if (s.type === "structure") {
      const members = Object.entries(s.members);
      if (members.length === 0) {
        out += `\nexport type ${name} = Record<string, never>;\n`;
        continue;
      }
      out += `\nexport interface ${name} {\n`;
      for (const [m, spec] of members) out += `  ${key(m)}${spec.required ? "" : "?"}: ${tsType(t, spec.target)};\n`;
      out += "}\n";
    }
  }
  const ops = sorted(t.operations);
  out += `\nexport type OperationName =\n${ops.map(([n]) => `  | ${JSON.stringify(n)}`).join("\n")};\n`;
  out += `\nexport interface OperationIO {\n`;
  for (const [n, op] of ops) out += `  ${n}: { input: ${tsType(t, op.input)}; output: ${tsType(t, op.output)} };\n`;
  out += "}\n";
  return out;
}

// ---------------------------------------------------------------------------------------------
// CLI
// ---------------------------------------------------------------------------------------------

/** The project root: the nearest ancestor of this file holding package.json. */
export function projectRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    if (existsSync(join(dir, "package.json"))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error("project root not found");
    dir = up;
  }
}

export function defaultModelPath(root: string = projectRoot()): string {
  return resolve(root, "../shared/aws-kms-model/kms-2014-11-01.json");
}

export function readModel(path: string): SmithyModel {
  const parsed: unknown = JSON.parse(readFileSync(path, "utf8"));
  if (typeof parsed !== "object" || parsed === null || typeof (parsed as Record<string, unknown>)["shapes"] !== "object") {
    throw new Error(`${path}: not a Smithy JSON AST`);
  }
  return parsed as SmithyModel;
}

export function generate(model: SmithyModel): { model: string; types: string } {
  const tables = buildTables(applyOverlay(model));
  return { model: emitModel(tables), types: emitTypes(tables) };
}

function main(argv: readonly string[]): void {
  const root = projectRoot();
  const modelPath = argv[2] !== undefined ? resolve(argv[2]) : defaultModelPath(root);
  const outDir = argv[3] !== undefined ? resolve(argv[3]) : join(root, "src/generated");
  const out = generate(readModel(modelPath));
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, "kms-model.ts"), out.model);
  writeFileSync(join(outDir, "kms-types.ts"), out.types);
  process.stdout.write(`wrote ${join(outDir, "kms-model.ts")} and kms-types.ts\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv);
}
