/**
 * The checks Sign and Verify share, in AWS's order: the algorithm must be one the key spec
 * supports, the message type one the algorithm accepts, a RAW message at most 4096 bytes, and a
 * DIGEST (or EXTERNAL_MU) message exactly the algorithm's digest length.
 */
import { AsymmetricCryptoError, algorithmError, digestLengthError, messageTypeError } from "./errors.js";
import {
  ALGORITHM_INFO,
  MAX_RAW_MESSAGE,
  SIGNING_ALGORITHMS,
  type AsymmetricKeySpec,
  type MessageType,
  type SigningAlgorithm,
} from "./specs.js";

export function checkSigningInput(
  spec: AsymmetricKeySpec,
  algorithm: SigningAlgorithm,
  messageType: MessageType,
  message: Uint8Array,
): void {
  if (!SIGNING_ALGORITHMS[spec].includes(algorithm)) throw algorithmError(algorithm, spec);
  const info = ALGORITHM_INFO[algorithm];
  if (!info.messageTypes.includes(messageType)) throw messageTypeError(messageType, algorithm);
  if (messageType === "RAW") {
    if (message.length > MAX_RAW_MESSAGE) {
      throw new AsymmetricCryptoError(
        "MESSAGE_TOO_LONG",
        "1 validation error detected: Value at 'message' failed to satisfy constraint: Member must have length less than or equal to 4096",
      );
    }
  } else if (message.length !== info.digestLength) {
    throw digestLengthError(algorithm);
  }
}
