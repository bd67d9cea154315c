import { generateWrappingKeyPair, wrappingAlgorithmFits, type WrappingAlgorithm, type WrappingKeySpec } from "../crypto/key-import.js";
import { SecretBytes } from "../crypto/secret-bytes.js";
import type { GetParametersForImportRequest, GetParametersForImportResponse } from "../generated/kms-types.js";
import { keyArn } from "../domain/arn.js";
import { KmsError } from "../domain/errors.js";
import { IMPORT_PARAMETERS_VALIDITY_MS } from "../domain/imported-material.js";
import type { OpContext } from "./context.js";
import { issueImportToken, requireExternalOrigin } from "./support/key-import.js";
import { useKey } from "./support/use-key.js";

/**
 * A fresh wrapping key pair and an import token for a key with origin EXTERNAL, valid 24 hours.
 * The private half exists only inside the token, wrapped under the root; nothing is stored.
 */
export async function getParametersForImport(
  ctx: OpContext,
  input: GetParametersForImportRequest,
): Promise<GetParametersForImportResponse> {
  const key = await useKey(ctx, input.KeyId, {
    operation: "GetParametersForImport",
    action: "kms:GetParametersForImport",
    allowAlias: false,
    conditions: { "kms:WrappingAlgorithm": input.WrappingAlgorithm, "kms:WrappingKeySpec": input.WrappingKeySpec },
  });
  requireExternalOrigin(key);
  const spec = input.WrappingKeySpec as WrappingKeySpec;
  if (input.WrappingAlgorithm === "RSAES_PKCS1_V1_5") {
    throw new KmsError(
      "UnsupportedOperationException",
      "The RSAES_PKCS1_V1_5 wrapping algorithm is no longer supported. Use RSAES_OAEP_SHA_256 or RSA_AES_KEY_WRAP_SHA_256.",
    );
  }
  const algorithm = input.WrappingAlgorithm as WrappingAlgorithm;
  if (!wrappingAlgorithmFits(spec, algorithm)) {
    throw new KmsError("ValidationException", `WrappingAlgorithm ${algorithm} cannot be used with WrappingKeySpec ${spec}.`);
  }
  const pair = await generateWrappingKeyPair(spec);
  const validTo = ctx.now() + IMPORT_PARAMETERS_VALIDITY_MS;
  try {
    const token = await issueImportToken(
      ctx.materials.keystore,
      { keyId: key.keyId, wrappingAlgorithm: algorithm, wrappingKeySpec: spec, validTo },
      pair.privateKey,
    );
    return {
      KeyId: keyArn(key.region, key.accountId, key.keyId),
      ImportToken: token,
      // The model marks PublicKey sensitive (PlaintextType); it is the public wrapping key.
      PublicKey: SecretBytes.copyOf(pair.publicKey),
      ParametersValidTo: new Date(validTo),
    };
  } finally {
    pair.privateKey.dispose();
  }
}
