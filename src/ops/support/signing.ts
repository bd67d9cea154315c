import { checkSigningInput, type AsymmetricKeySpec, type MessageType, type SigningAlgorithm } from "../../crypto/asymmetric/index.js";
import type { SecretBytes } from "../../crypto/secret-bytes.js";
import type { KeyRecord } from "../../domain/key-record.js";
import type { SigningAlgorithmSpec } from "../../generated/kms-types.js";
import type { OpContext } from "../context.js";
import { dryRunSucceeded } from "../dry-run.js";
import { asymmetricSpec, messageBytes, withCryptoErrors } from "./asymmetric.js";
import { useKey } from "./use-key.js";

/** What Sign and Verify both take. */
export interface SigningRequest {
  readonly KeyId: string;
  readonly Message: SecretBytes;
  readonly MessageType?: MessageType;
  readonly SigningAlgorithm: SigningAlgorithmSpec;
  readonly DryRun?: boolean;
}

export interface SigningInput {
  readonly key: KeyRecord;
  readonly spec: AsymmetricKeySpec;
  readonly algorithm: SigningAlgorithm;
  readonly messageType: MessageType;
  readonly message: Buffer;
}

/**
 * The part Sign and Verify share: the SIGN_VERIFY key (authorized with the kms:SigningAlgorithm
 * and kms:MessageType conditions), the message checked against the key spec, algorithm and
 * message type, then DryRun. `body` does the signing or verifying; the message is disposed once
 * the key was found, whatever happens after.
 */
export async function withSigningInput<T>(
  ctx: OpContext,
  input: SigningRequest,
  operation: "Sign" | "Verify",
  body: (s: SigningInput) => Promise<T>,
): Promise<T> {
  const messageType: MessageType = input.MessageType ?? "RAW";
  const key = await useKey(ctx, input.KeyId, {
    operation,
    action: `kms:${operation}`,
    allowAlias: true,
    usage: "SIGN_VERIFY",
    conditions: { "kms:SigningAlgorithm": input.SigningAlgorithm, "kms:MessageType": messageType },
  });
  const spec = asymmetricSpec(key);
  const algorithm = input.SigningAlgorithm as SigningAlgorithm;
  try {
    const message = messageBytes(input.Message);
    withCryptoErrors(() => checkSigningInput(spec, algorithm, messageType, message));
    if (input.DryRun === true) dryRunSucceeded();
    return await body({ key, spec, algorithm, messageType, message });
  } finally {
    input.Message.dispose();
  }
}
