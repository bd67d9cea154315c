import type { ConnectionErrorCode } from "../../domain/custom-key-store.js";
import { KmsError, type KmsErrorCode } from "../../domain/errors.js";
import type { XksProxyFailure } from "./xks-proxy-client.js";

/**
 * How a failed XKS proxy call reads to a KMS caller: the exception depends on the KMS operation and
 * the message on the failure, as the XKS proxy API specification's "KMS Considerations" table
 * gives them. The proxy's own errorMessage is never passed on.
 */

const MSG = {
  invalidResponse:
    "AWS KMS cannot interpret the response from the external key store proxy. If you see this error repeatedly, report it to your external key store proxy administrator.",
  notEnabled:
    "The external key associated with this KMS key in an external key store is not enabled in the external key manager. Enable the external key in the external key manager and retry the request.",
  badCiphertext:
    "The external key store proxy rejected the request because the specified ciphertext or encryption context is corrupted, missing, or otherwise invalid.",
  keyUsage:
    "The external key associated with this KMS key in an external key store does not support the requested operation. Enable the operation on the key in your external key manager, and try the request again.",
  authentication:
    "The external key store proxy rejected the request because it could not authenticate AWS KMS. Verify the XKS proxy authentication credentials for your external key store and update if necessary.",
  accessDenied:
    "The external key store proxy denied access to the operation. Verify that the user and the external key are both authorized for this operation, and try the request again.",
  keyNotFound:
    "The external key associated with this KMS key in an external key store was not found in its external key manager. If the external key ID associated with this KMS key is incorrect, create a new KMS key with the correct external key ID.",
  uriPath:
    "The external key store proxy rejected the request because of an invalid URI path. Verify the URI path for your external key store and update if necessary.",
  unsupported:
    "The external key store proxy rejected the request because it does not support the requested operation. If you see this error repeatedly, report it to your external key store proxy administrator.",
  dependencyTimeout:
    "The external key store proxy did not respond to the request in the time allotted. Retry the request. If you see this error repeatedly, report it to your external key store proxy administrator.",
  throttling:
    "The external key store proxy rejected the request due to a very high request rate. Reduce the frequency of your calls using KMS keys in this external key store.",
  internal:
    "The external key store proxy rejected the request because it cannot communicate with the external key manager. Verify that the external key store proxy configuration is correct and that the external key manager is available.",
  unreachable:
    "AWS KMS cannot communicate with the external key store proxy. This might be a transient network issue. If you see this error repeatedly, verify that your external key store proxy is active and is connected to the network, and that its endpoint URI is correct in your external keystore.",
  tls: "AWS KMS cannot establish a TLS connection to the external key store proxy. Verify the TLS configuration, including its certificate.",
  timeout:
    "AWS KMS rejected the request because the external key store proxy did not respond in time. Retry the request. If you see this error repeatedly, report it to your external key store proxy administrator.",
} as const;

export const XKS_NOT_CONNECTED_MESSAGE =
  "This KMS key is in a custom key store that is not connected to its external key store proxy. Connect the external key store and try the request again.";

/** The message of a failure (the same whatever the operation). */
export function xksFailureMessage(f: XksProxyFailure): string {
  if (f.kind !== "proxy-error") return MSG[f.kind === "invalid-response" ? "invalidResponse" : f.kind];
  switch (f.errorName) {
    case "InvalidStateException":
      return MSG.notEnabled;
    case "InvalidCiphertextException":
      return MSG.badCiphertext;
    case "InvalidKeyUsageException":
      return MSG.keyUsage;
    case "AuthenticationFailedException":
      return MSG.authentication;
    case "AccessDeniedException":
      return MSG.accessDenied;
    case "KeyNotFoundException":
      return MSG.keyNotFound;
    case "InvalidUriPathException":
      return MSG.uriPath;
    case "UnsupportedOperationException":
      return MSG.unsupported;
    case "DependencyTimeoutException":
      return MSG.dependencyTimeout;
    case "ThrottlingException":
      return MSG.throttling;
    case "InternalException":
      return MSG.internal;
    default:
      return MSG.invalidResponse;
  }
}

/** CreateCustomKeyStore and UpdateCustomKeyStore (which check the proxy with GetHealthStatus). */
export function xksStoreAdminError(f: XksProxyFailure): KmsError {
  let code: KmsErrorCode = "XksProxyInvalidResponseException";
  if (f.kind === "unreachable" || f.kind === "tls" || f.kind === "timeout") code = "XksProxyUriUnreachableException";
  if (f.kind === "proxy-error") {
    if (f.errorName === "AuthenticationFailedException") code = "XksProxyIncorrectAuthenticationCredentialException";
    else if (f.errorName === "InvalidUriPathException" || f.errorName === "AccessDeniedException") code = "XksProxyInvalidConfigurationException";
    else if (f.errorName === "DependencyTimeoutException" || f.errorName === "ThrottlingException") code = "XksProxyUriUnreachableException";
  }
  return new KmsError(code, xksFailureMessage(f));
}

/** The ConnectionErrorCode of a failed ConnectCustomKeyStore (GetHealthStatus). */
export function xksConnectionErrorCode(f: XksProxyFailure): ConnectionErrorCode {
  switch (f.kind) {
    case "unreachable":
      return "XKS_PROXY_NOT_REACHABLE";
    case "tls":
      return "XKS_PROXY_INVALID_TLS_CONFIGURATION";
    case "timeout":
      return "XKS_PROXY_TIMED_OUT";
    case "invalid-response":
      return "XKS_PROXY_INVALID_RESPONSE";
    case "proxy-error":
      break;
  }
  switch (f.errorName) {
    case "AuthenticationFailedException":
      return "INVALID_CREDENTIALS";
    case "AccessDeniedException":
      return "XKS_PROXY_ACCESS_DENIED";
    case "InvalidUriPathException":
      return "XKS_PROXY_INVALID_CONFIGURATION";
    case "DependencyTimeoutException":
    case "ThrottlingException":
      return "XKS_PROXY_TIMED_OUT";
    case "InternalException":
      return "INTERNAL_ERROR";
    default:
      return "XKS_PROXY_INVALID_RESPONSE";
  }
}

/** CreateKey (GetKeyMetadata). */
export function xksCreateKeyError(f: XksProxyFailure): KmsError {
  let code: KmsErrorCode = "CustomKeyStoreInvalidStateException";
  if (f.kind === "proxy-error") {
    if (f.errorName === "KeyNotFoundException") code = "XksKeyNotFoundException";
    else if (f.errorName === "InvalidStateException" || f.errorName === "InvalidKeyUsageException") code = "XksKeyInvalidConfigurationException";
    else if (f.errorName === "AccessDeniedException") code = "KMSInvalidStateException";
  }
  return new KmsError(code, xksFailureMessage(f));
}

/** Encrypt, Decrypt, GenerateDataKey*, ReEncrypt: KMSInvalidStateException whatever failed. */
export function xksCryptoError(f: XksProxyFailure): KmsError {
  return new KmsError("KMSInvalidStateException", xksFailureMessage(f));
}
