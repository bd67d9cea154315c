/**
 * A grant as Trent stores it (KMS API reference, CreateGrant / GrantListEntry). The constraint
 * field names are those of the KMS API, so that a stored grant is reported as it was created.
 */
export interface GrantConstraints {
  readonly EncryptionContextSubset?: Readonly<Record<string, string>>;
  readonly EncryptionContextEquals?: Readonly<Record<string, string>>;
}

export interface GrantRecord {
  /** 64 lower-case hex characters; unique across every key. */
  readonly grantId: string;
  readonly keyId: string;
  /** The account and region of the key the grant is on. */
  readonly keyAccountId: string;
  readonly region: string;
  readonly name?: string;
  readonly granteePrincipal: string;
  readonly retiringPrincipal?: string;
  /** Grant operations, e.g. "Decrypt", "GenerateDataKey". */
  readonly operations: readonly string[];
  readonly constraints?: GrantConstraints;
  /** arn:aws:iam::ACCOUNT:root of the account of the principal that created the grant. */
  readonly issuingAccount: string;
  /** Epoch milliseconds. */
  readonly createdAt: number;
}
