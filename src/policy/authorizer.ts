import type { KeyRecord } from "../domain/key-record.js";
import type { GrantLike } from "./grants.js";

/** Who is calling: established by SigV4 and the access key's principal. */
export interface Caller {
  readonly accountId: string;
  /** Region from the SigV4 credential scope; keys are partitioned by it. */
  readonly region: string;
  readonly principalArn: string;
  readonly principalId: string;
  readonly principalType: "Root" | "IAMUser" | "Role" | "AssumedRole";
  readonly accessKeyId: string;
  readonly sourceIp: string;
  readonly userAgent: string;
  readonly secureTransport: boolean;
  /** For an assumed-role session (principalType "AssumedRole"): the role and when the session began. */
  readonly session?: { readonly roleArn: string; readonly roleId: string; readonly issuedAt: number };
}

export type ConditionValue = string | number | boolean | readonly string[];

export interface AuthzRequest {
  /** e.g. "kms:Encrypt" */
  readonly action: string;
  /** The key acted on; absent for account-level actions (CreateKey, ListKeys, GenerateRandom...). */
  readonly key?: KeyRecord;
  /** The resource ARN of a request on something other than a key (sts:AssumeRole: the role); "*" when absent. */
  readonly resource?: string;
  /** Request-specific condition keys (kms:EncryptionContext:..., kms:RequestAlias, aws:RequestTag/...). */
  readonly conditions?: Readonly<Record<string, ConditionValue>>;
  /**
   * The request's encryption context, for grant constraints. When absent, the authorizer reads it
   * back from the kms:EncryptionContext:<key> condition keys.
   */
  readonly encryptionContext?: Readonly<Record<string, string>>;
  /**
   * True when the key was found from a ciphertext rather than named by a KeyId (Decrypt without
   * KeyId): AWS then words a denial "on the resource associated with this ciphertext".
   */
  readonly resourceFromCiphertext?: boolean;
}

export interface Decision {
  readonly allowed: boolean;
  /** AWS-format denial message for AccessDeniedException when not allowed. */
  readonly message?: string;
  /** Human-readable trace of what was considered (for the explainer and denial logs). */
  readonly trace: readonly string[];
  /** The grant that allowed the request, when a grant (and no policy) did. */
  readonly grant?: GrantLike;
}

/** A grant as RetireGrant needs to see it (a stored GrantRecord is one). */
export interface RetirableGrant extends GrantLike {
  readonly retiringPrincipal?: string;
  /** arn:aws:iam::ACCOUNT:root of the account in which the grant was created. */
  readonly issuingAccount: string;
}

/** The policy engine's entry point. Every call goes through one Authorizer. */
export interface Authorizer {
  decide(caller: Caller, request: AuthzRequest, now: number): Promise<Decision>;
  /**
   * Admits a key policy for CreateKey or PutKeyPolicy: syntax, named principals exist, and the
   * lockout safety check unless bypassed (MalformedPolicyDocumentException otherwise). An
   * authorizer without it leaves the operation to check the syntax only.
   */
  admitKeyPolicy?(caller: Caller, key: KeyRecord, now: number, options: { readonly bypassLockoutSafetyCheck: boolean }): Promise<unknown>;
  /**
   * Whether the caller may retire the grant (RetireGrant is authorized by the grant, not by the
   * key policy). Without it, the operation asks `decide` for kms:RetireGrant on the key.
   */
  decideRetireGrant?(caller: Caller, key: KeyRecord, grant: RetirableGrant, now: number): Promise<Decision>;
}
