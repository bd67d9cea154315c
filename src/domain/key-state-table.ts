/**
 * The AWS KMS "key state table": for every API operation that uses an existing KMS key, what
 * the call does when the key is in each key state.
 *
 * Source: AWS KMS Developer Guide, "Key states of AWS KMS keys", section "Key state table",
 * https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html (#key-state-table).
 *
 * Snapshot used. The stored copies of the live page that could be searched expose only its opening
 * paragraphs, not the table body. The table was therefore copied from the page's own source,
 * `doc_source/key-state.md` in AWS's official docs repository awsdocs/aws-kms-developer-guide, at commit
 * 38281913dc98580974493b2f5194abcd5125d1e0. The newest document-history entry at that commit is dated
 * 29 November 2022 (external key stores), so this is the page as published around December 2022.
 * Retrieved 2026-12-01. That version has one combined column "Pending deletion / Pending replica
 * deletion", so both states get the same outcome here, and it also has columns for the transient
 * multi-Region states Creating and Updating, which are copied too.
 *
 * Rows COPIED from that snapshot (40): CancelKeyDeletion, CreateAlias, CreateGrant, Decrypt,
 * DeleteAlias, DeleteImportedKeyMaterial, DescribeKey, DisableKey, DisableKeyRotation, EnableKey,
 * EnableKeyRotation, Encrypt, GenerateDataKey, GenerateDataKeyPair,
 * GenerateDataKeyPairWithoutPlaintext, GenerateDataKeyWithoutPlaintext, GenerateMac, GetKeyPolicy,
 * GetKeyRotationStatus, GetParametersForImport, GetPublicKey, ImportKeyMaterial, ListAliases,
 * ListGrants, ListKeyPolicies, ListResourceTags, PutKeyPolicy, ReEncrypt, ReplicateKey, RetireGrant,
 * RevokeGrant, ScheduleKeyDeletion, Sign, TagResource, UntagResource, UpdateAlias,
 * UpdateKeyDescription, UpdatePrimaryRegion, Verify, VerifyMac.
 *
 * Rows RECONSTRUCTED (5), because these operations came out after the snapshot: ListKeyRotations,
 * RotateKeyOnDemand (2024), DeriveSharedSecret (2024), and Encapsulate/Decapsulate (ML-KEM). They are
 * built from each operation's API reference text and modelled errors (as shipped in
 * @aws-sdk/client-kms 3.1162.0 in node_modules) and from the pattern of the copied rows for similar
 * operations. Each row says how it was derived. GetKeyLastUsage is left out on purpose: it publishes
 * no key-state requirement and no KMSInvalidStateException, so it falls through to "ok".
 *
 * How the page's cells are turned into one outcome:
 *  - ✓ → "ok". X [n] → the exception that footnote n names.
 *  - "?" and "X [a] or [b]" cells → the outcome for Trent's usual key: a symmetric encryption key
 *    in Trent's own key store with Trent-generated material (origin AWS_KMS). The other branch is
 *    explained in the row's comment. Checks on origin, key spec or key store (the
 *    UnsupportedOperationException branches) belong in the operation, not in this table.
 *  - "[2] or [3]" (a key pending deletion used in a cryptographic operation): AWS documents either
 *    DisabledException or KMSInvalidStateException. This table uses KMSInvalidStateException ([3]),
 *    which is what callers normally see from AWS and what LocalStack (checked against AWS) returns.
 *  - N/A cells are states that key type could not reach in 2022. They are filled with the
 *    exception that the same column gives for comparable operations, and commented "N/A".
 *  - KeyUnavailableException is in StateOutcome for callers, but no cell uses it. It means a
 *    temporary backend failure, not a key state. The Unavailable key state gives
 *    KMSInvalidStateException ([11]).
 *
 * Footnotes of the page (error text AWS returns, useful for messages):
 *  [1]  DisabledException: <key ARN> is disabled.
 *  [2]  DisabledException: <key ARN> is pending deletion (or pending replica deletion).
 *  [3]  KMSInvalidStateException: <key ARN> is pending deletion (or pending replica deletion).
 *  [4]  KMSInvalidStateException: <key ARN> is not pending deletion (or pending replica deletion).
 *  [5]  KMSInvalidStateException: <key ARN> is pending import.
 *  [6]  UnsupportedOperationException: <key ARN> origin is EXTERNAL which is not valid for this operation.
 *  [7]  If the KMS key has imported key material or is in a custom key store: UnsupportedOperationException.
 *  [8]  If the KMS key has imported key material: KMSInvalidStateException.
 *  [9]  If the KMS key cannot or does not have imported key material: UnsupportedOperationException.
 *  [10] If the source KMS key is pending deletion, the command succeeds. If the destination KMS key is
 *       pending deletion, the command fails with error: KMSInvalidStateException : <key ARN> is pending deletion.
 *  [11] KMSInvalidStateException: <key ARN> is unavailable. You cannot perform this operation on an unavailable KMS key.
 *  [12] The operation succeeds, but the key state of the KMS key does not change until it becomes available.
 *  [13] While a KMS key in a custom key store is pending deletion, its key state remains PendingDeletion even
 *       if the KMS key becomes unavailable (so deletion can be cancelled at any time during the waiting period).
 *  [14] KMSInvalidStateException: <key ARN> is creating. (while ReplicateKey is replicating a multi-Region key)
 *  [15] KMSInvalidStateException: <key ARN> is updating. (while UpdatePrimaryRegion is updating a multi-Region key)
 */

export type KeyState =
  | "Creating"
  | "Enabled"
  | "Disabled"
  | "PendingDeletion"
  | "PendingReplicaDeletion"
  | "PendingImport"
  | "Unavailable"
  | "Updating";

export type StateOutcome =
  | "ok"
  | "DisabledException"
  | "KMSInvalidStateException"
  | "KeyUnavailableException"
  | "UnsupportedOperationException";

export type KeyStateRow = Readonly<Record<KeyState, StateOutcome>>;

/** Every key state, in the column order of the AWS page. */
export const KEY_STATES: readonly KeyState[] = Object.freeze([
  "Enabled",
  "Disabled",
  "PendingDeletion",
  "PendingReplicaDeletion",
  "PendingImport",
  "Unavailable",
  "Creating",
  "Updating",
] as const);

const OK = "ok" satisfies StateOutcome;
const DIS = "DisabledException" satisfies StateOutcome;
const INV = "KMSInvalidStateException" satisfies StateOutcome;
const UNS = "UnsupportedOperationException" satisfies StateOutcome;

/** One table row, with arguments in the page's column order (PendingReplicaDeletion split out). */
function row(
  Enabled: StateOutcome,
  Disabled: StateOutcome,
  PendingDeletion: StateOutcome,
  PendingReplicaDeletion: StateOutcome,
  PendingImport: StateOutcome,
  Unavailable: StateOutcome,
  Creating: StateOutcome,
  Updating: StateOutcome,
): KeyStateRow {
  return Object.freeze({
    Enabled,
    Disabled,
    PendingDeletion,
    PendingReplicaDeletion,
    PendingImport,
    Unavailable,
    Creating,
    Updating,
  });
}

// prettier-ignore
export const KEY_STATE_TABLE: Readonly<Record<string /* operation name, e.g. "Encrypt" */, KeyStateRow>> = Object.freeze({
  //                                   Enabled Disabled PendDel PendReplDel PendImport Unavail Creating Updating

  // ---- Copied from the snapshot -------------------------------------------------------------

  // [4] everywhere except the two pending-deletion states; Unavailable is "[4], [13]".
  CancelKeyDeletion:               row(INV,    INV,     OK,     OK,         INV,       INV,    INV,     INV),
  // PendingDeletion [3].
  CreateAlias:                     row(OK,     OK,      INV,    INV,        OK,        OK,     OK,      OK),
  // Disabled [1]; PendingDeletion "[2] or [3]"; PendingImport [5]; Unavailable ✓; Creating [14].
  CreateGrant:                     row(OK,     DIS,     INV,    INV,        INV,       OK,     INV,     OK),
  // Disabled [1]; PendingDeletion "[2] or [3]"; PendingImport [5]; Unavailable [11]; Creating [14].
  Decrypt:                         row(OK,     DIS,     INV,    INV,        INV,       INV,    INV,     OK),
  DeleteAlias:                     row(OK,     OK,      OK,     OK,         OK,        OK,     OK,      OK),
  // Enabled/Disabled/PendingDeletion "✓ [9]": succeeds only for a key with imported material
  // (origin EXTERNAL); otherwise UnsupportedOperationException, which the operation checks
  // separately. PendingImport "✓ (No effect)". Unavailable N/A: a custom-key-store key cannot have
  // imported material, so [9] UnsupportedOperationException. Creating [14]; Updating [15].
  DeleteImportedKeyMaterial:       row(OK,     OK,      OK,     OK,         OK,        UNS,    INV,     INV),
  DescribeKey:                     row(OK,     OK,      OK,     OK,         OK,        OK,     OK,      OK),
  // PendingDeletion [3]; PendingImport [5]; Unavailable "✓ [12]": succeeds, but the state only
  // changes once the key is available again. Creating [14]; Updating [15].
  DisableKey:                      row(OK,     OK,      INV,    INV,        INV,       OK,     INV,     INV),
  // Enabled/Updating "? [7]": ok for an AWS_KMS-origin key in Trent's store; UnsupportedOperationException
  // if the key has imported material or is in a custom key store. Disabled "[1] or [7]" → DisabledException.
  // PendingDeletion "[3] or [7]" → KMSInvalidStateException. PendingImport [6] (origin EXTERNAL).
  // Unavailable [7]. Creating [14].
  DisableKeyRotation:              row(OK,     DIS,     INV,    INV,        UNS,       UNS,    INV,     OK),
  // PendingDeletion [3]; PendingImport [5]; Unavailable "✓ [12]" (state changes once available);
  // Creating [14]; Updating [15].
  EnableKey:                       row(OK,     OK,      INV,    INV,        INV,       OK,     INV,     INV),
  // Same cells and conditions as DisableKeyRotation ("? [7]", "[1] or [7]", "[3] or [7]", [6], [7], [14], "? [7]").
  EnableKeyRotation:               row(OK,     DIS,     INV,    INV,        UNS,       UNS,    INV,     OK),
  // Disabled [1]; PendingDeletion "[2] or [3]"; PendingImport [5]; Unavailable [11]; Creating [14].
  Encrypt:                         row(OK,     DIS,     INV,    INV,        INV,       INV,    INV,     OK),
  // As Encrypt.
  GenerateDataKey:                 row(OK,     DIS,     INV,    INV,        INV,       INV,    INV,     OK),
  // As Encrypt.
  GenerateDataKeyPair:             row(OK,     DIS,     INV,    INV,        INV,       INV,    INV,     OK),
  // As Encrypt.
  GenerateDataKeyPairWithoutPlaintext: row(OK, DIS,     INV,    INV,        INV,       INV,    INV,     OK),
  // As Encrypt.
  GenerateDataKeyWithoutPlaintext: row(OK,     DIS,     INV,    INV,        INV,       INV,    INV,     OK),
  // Disabled [1]; PendingDeletion "[2] or [3]"; Creating [14]. PendingImport N/A in 2022 (HMAC keys could
  // not have imported material then) → [5] as for Encrypt. Unavailable N/A (no HMAC keys in custom key
  // stores) → [11].
  GenerateMac:                     row(OK,     DIS,     INV,    INV,        INV,       INV,    INV,     OK),
  GetKeyPolicy:                    row(OK,     OK,      OK,     OK,         OK,        OK,     OK,      OK),
  // "? [7]" in Enabled, Disabled, PendingDeletion, Creating and Updating: ok for an AWS_KMS-origin key
  // in Trent's store (a key pending deletion reports rotation false); UnsupportedOperationException
  // if the key has imported material or is in a custom key store. PendingImport [6] (origin EXTERNAL).
  // Unavailable [7].
  GetKeyRotationStatus:            row(OK,     OK,      OK,     OK,         UNS,       UNS,    OK,      OK),
  // Enabled/Disabled "? [9]": ok only for a key with origin EXTERNAL, otherwise UnsupportedOperationException
  // (the operation checks the origin). PendingDeletion "[8] or [9]" → [8] KMSInvalidStateException for an
  // EXTERNAL key. PendingImport ✓. Unavailable [9] (custom-key-store keys cannot import).
  // Creating [14]; Updating [15].
  GetParametersForImport:          row(OK,     OK,      INV,    INV,        OK,        UNS,    INV,     INV),
  // Disabled [1]; PendingDeletion "[2] or [3]"; Creating [14]. PendingImport N/A in 2022 → [5];
  // Unavailable N/A (no asymmetric keys in custom key stores) → [11].
  GetPublicKey:                    row(OK,     DIS,     INV,    INV,        INV,       INV,    INV,     OK),
  // Enabled/Disabled "? [9]": ok only for a key with origin EXTERNAL, otherwise UnsupportedOperationException
  // (the operation checks the origin). PendingDeletion "[8] or [9]" → [8]. PendingImport ✓.
  // Unavailable [9]. Creating [14]; Updating ✓.
  ImportKeyMaterial:               row(OK,     OK,      INV,    INV,        OK,        UNS,    INV,     OK),
  ListAliases:                     row(OK,     OK,      OK,     OK,         OK,        OK,     OK,      OK),
  ListGrants:                      row(OK,     OK,      OK,     OK,         OK,        OK,     OK,      OK),
  ListKeyPolicies:                 row(OK,     OK,      OK,     OK,         OK,        OK,     OK,      OK),
  ListResourceTags:                row(OK,     OK,      OK,     OK,         OK,        OK,     OK,      OK),
  PutKeyPolicy:                    row(OK,     OK,      OK,     OK,         OK,        OK,     OK,      OK),
  // As Encrypt. Applies to both the source key (decrypt side) and the destination key.
  ReEncrypt:                       row(OK,     DIS,     INV,    INV,        INV,       INV,    INV,     OK),
  // Disabled [1]; PendingDeletion "[2] or [3]"; PendingImport [5]; Unavailable N/A (multi-Region keys
  // cannot be in custom key stores) → KMSInvalidStateException; Creating [14]; Updating [15].
  ReplicateKey:                    row(OK,     DIS,     INV,    INV,        INV,       INV,    INV,     INV),
  RetireGrant:                     row(OK,     OK,      OK,     OK,         OK,        OK,     OK,      OK),
  RevokeGrant:                     row(OK,     OK,      OK,     OK,         OK,        OK,     OK,      OK),
  // PendingDeletion [3] (already scheduled); Updating [15].
  ScheduleKeyDeletion:             row(OK,     OK,      INV,    INV,        OK,        OK,     OK,      INV),
  // As GenerateMac: Disabled [1]; PendingDeletion "[2] or [3]"; Creating [14]; PendingImport and
  // Unavailable N/A in 2022 → [5] / [11].
  Sign:                            row(OK,     DIS,     INV,    INV,        INV,       INV,    INV,     OK),
  // PendingDeletion [3].
  TagResource:                     row(OK,     OK,      INV,    INV,        OK,        OK,     OK,      OK),
  // PendingDeletion [3].
  UntagResource:                   row(OK,     OK,      INV,    INV,        OK,        OK,     OK,      OK),
  // PendingDeletion "? [10]": only the NEW target key (TargetKeyId) is checked. The key the alias
  // points at now may be pending deletion and the call still succeeds. Use this row for the target only.
  UpdateAlias:                     row(OK,     OK,      INV,    INV,        OK,        OK,     OK,      OK),
  // PendingDeletion [3].
  UpdateKeyDescription:            row(OK,     OK,      INV,    INV,        OK,        OK,     OK,      OK),
  // Disabled [1]; PendingDeletion "[2] or [3]"; PendingImport [5]; Unavailable N/A → KMSInvalidStateException;
  // Creating [14]; Updating ✓.
  UpdatePrimaryRegion:             row(OK,     DIS,     INV,    INV,        INV,       INV,    INV,     OK),
  // As Sign.
  Verify:                          row(OK,     DIS,     INV,    INV,        INV,       INV,    INV,     OK),
  // As GenerateMac.
  VerifyMac:                       row(OK,     DIS,     INV,    INV,        INV,       INV,    INV,     OK),

  // ---- Reconstructed (not in the snapshot) --------------------------------------------------

  // RECONSTRUCTED. The API reference requires a compatible key state and models DisabledException,
  // KMSInvalidStateException and KeyUnavailableException. Built like Sign, a cryptographic operation on
  // an asymmetric key: usable while Updating, not while Creating; Unavailable is N/A (no KEY_AGREEMENT
  // keys in custom key stores).
  DeriveSharedSecret:              row(OK,     DIS,     INV,    INV,        INV,       INV,    INV,     OK),
  // RECONSTRUCTED. The API page gives no "compatible key state" sentence. It models only
  // KMSInvalidStateException and UnsupportedOperationException. Built like GetKeyRotationStatus (a
  // read-only rotation query), with two changes. PendingImport is ok: the current API lists key
  // materials of imported keys, including ones in PENDING_IMPORT. Creating gives
  // KMSInvalidStateException, the one transient state the model's exception can plausibly cover.
  // Unavailable: keys in custom key stores do not rotate → UnsupportedOperationException.
  ListKeyRotations:                row(OK,     OK,      OK,     OK,         OK,        UNS,    INV,     OK),
  // RECONSTRUCTED. The API reference requires a compatible key state and models DisabledException,
  // KMSInvalidStateException and UnsupportedOperationException. Built like EnableKeyRotation.
  // Enabled "?": ok for a symmetric AWS_KMS-origin key. For imported material, new material must
  // already be PENDING_ROTATION. For asymmetric, HMAC or custom-key-store keys,
  // UnsupportedOperationException (checked by the operation). PendingImport → KMSInvalidStateException:
  // unlike automatic rotation, EXTERNAL keys may rotate on demand, but not without current material.
  // Unavailable → UnsupportedOperationException (custom key store). Updating → KMSInvalidStateException,
  // a conservative choice: the page allows no key-material change during Updating ([15]).
  RotateKeyOnDemand:               row(OK,     DIS,     INV,    INV,        INV,       UNS,    INV,     INV),
  // RECONSTRUCTED. ML-KEM key encapsulation. The API reference requires a compatible key state and models
  // DisabledException, KMSInvalidStateException and KeyUnavailableException. Built like Sign/Verify.
  Encapsulate:                     row(OK,     DIS,     INV,    INV,        INV,       INV,    INV,     OK),
  // RECONSTRUCTED. As Encapsulate (built like Decrypt/Sign).
  Decapsulate:                     row(OK,     DIS,     INV,    INV,        INV,       INV,    INV,     OK),
});

/**
 * What `operation` does on a key in `state`, per the table above. Operations not in the table
 * (ones that use no existing key, such as CreateKey, ListKeys and GenerateRandom, or ones with
 * no key-state rule, such as GetKeyLastUsage) give "ok".
 */
export function stateOutcome(operation: string, state: KeyState): StateOutcome {
  if (!Object.hasOwn(KEY_STATE_TABLE, operation)) return "ok";
  const entry = KEY_STATE_TABLE[operation];
  return entry === undefined ? "ok" : entry[state];
}
