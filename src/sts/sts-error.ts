import { KmsError } from "../domain/errors.js";

/** An STS error as the Query protocol answers it. */
export class StsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly type: "Sender" | "Receiver" = "Sender",
    /** Why a request was denied, for the operator's log (never sent to the caller). */
    readonly reason?: string,
  ) {
    super(message);
    this.name = "StsError";
  }
}

export function validationError(message: string): StsError {
  return new StsError("ValidationError", message, 400);
}

export function accessDenied(message: string, reason?: string): StsError {
  return new StsError("AccessDenied", message, 403, "Sender", reason);
}

/**
 * SigV4 and availability errors (worded for KMS's JSON protocol) under STS's codes: the Query
 * protocol answers authentication failures with 403 and codes without "Exception".
 */
export function fromKmsError(e: KmsError): StsError {
  switch (e.code) {
    case "UnrecognizedClientException":
      return new StsError("InvalidClientTokenId", e.message, 403);
    case "ExpiredTokenException":
      // 403 as real STS answers it (aws/aws-sdk-java-v2#1649: "ExpiredToken ... Status Code: 403").
      return new StsError("ExpiredToken", e.message, 403);
    case "InvalidSignatureException":
      return new StsError("SignatureDoesNotMatch", e.message, 403);
    case "IncompleteSignatureException":
      return new StsError("IncompleteSignature", e.message, 400);
    case "MissingAuthenticationTokenException":
      return new StsError("MissingAuthenticationToken", "Request is missing Authentication Token", 403);
    default:
      return new StsError("ServiceUnavailable", e.message === "" ? "Service unavailable." : e.message, 503, "Receiver");
  }
}
