import { KmsError } from "../../domain/errors.js";
import type { KeyRecord } from "../../domain/key-record.js";
import { algorithmsFor } from "../../domain/key-spec.js";
import { keyArn } from "../../domain/arn.js";

/** The encryption algorithm a call uses with this key: SYMMETRIC_DEFAULT unless the key needs another. */
export function encryptionAlgorithmFor(key: KeyRecord, requested: string | undefined): string {
  const allowed = algorithmsFor(key.keySpec, key.keyUsage).EncryptionAlgorithms ?? [];
  const alg = requested ?? (key.keySpec === "SYMMETRIC_DEFAULT" ? "SYMMETRIC_DEFAULT" : undefined);
  if (alg === undefined || !allowed.includes(alg)) {
    throw new KmsError(
      "InvalidKeyUsageException",
      `The encryption algorithm ${alg ?? "(none)"} is not valid for ${keyArn(key.region, key.accountId, key.keyId)}. Valid algorithms: ${allowed.join(", ")}.`,
    );
  }
  return alg;
}
