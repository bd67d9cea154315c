import { KmsError } from "../../domain/errors.js";
import { SecretBytes } from "../../crypto/secret-bytes.js";
import type { OpContext } from "../context.js";

/** Number of data-key bytes from GenerateDataKey's KeySpec / NumberOfBytes (exactly one). */
export function dataKeyLength(keySpec: string | undefined, numberOfBytes: number | undefined): number {
  if ((keySpec === undefined) === (numberOfBytes === undefined)) {
    throw new KmsError("ValidationException", "Please specify either number of bytes or key spec.");
  }
  if (keySpec === "AES_128") return 16;
  if (keySpec === "AES_256") return 32;
  return numberOfBytes ?? 32;
}

export function randomSecret(ctx: OpContext, n: number): SecretBytes {
  return SecretBytes.adopt(ctx.random(n));
}
