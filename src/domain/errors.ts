/**
 * The one catalogue of errors Trent answers with. `code` is the wire `__type` (the Smithy shape
 * name for modelled errors); the HTTP status comes from this table only.
 *
 * Status policy (pinned by errors.test.ts): responses recorded against AWS KMS show 400 for every
 * client error on the JSON 1.1 protocol, whatever the model's httpError trait says; server faults
 * are 5xx.
 */
export const ERROR_STATUS = {
  // Modelled KMS errors (client faults).
  AlreadyExistsException: 400,
  CloudHsmClusterInUseException: 400,
  CloudHsmClusterInvalidConfigurationException: 400,
  CloudHsmClusterNotActiveException: 400,
  CloudHsmClusterNotFoundException: 400,
  CloudHsmClusterNotRelatedException: 400,
  ConflictException: 400,
  CustomKeyStoreHasCMKsException: 400,
  CustomKeyStoreInvalidStateException: 400,
  CustomKeyStoreNameInUseException: 400,
  CustomKeyStoreNotFoundException: 400,
  DisabledException: 400,
  DryRunOperationException: 400,
  ExpiredImportTokenException: 400,
  IncorrectKeyException: 400,
  IncorrectKeyMaterialException: 400,
  IncorrectTrustAnchorException: 400,
  InvalidAliasNameException: 400,
  InvalidArnException: 400,
  InvalidCiphertextException: 400,
  InvalidGrantIdException: 400,
  InvalidGrantTokenException: 400,
  InvalidImportTokenException: 400,
  InvalidKeyUsageException: 400,
  InvalidMarkerException: 400,
  KMSInvalidMacException: 400,
  KMSInvalidSignatureException: 400,
  KMSInvalidStateException: 400,
  LimitExceededException: 400,
  MalformedPolicyDocumentException: 400,
  NotFoundException: 400,
  TagException: 400,
  UnsupportedOperationException: 400,
  XksKeyAlreadyInUseException: 400,
  XksKeyInvalidConfigurationException: 400,
  XksKeyNotFoundException: 400,
  XksProxyIncorrectAuthenticationCredentialException: 400,
  XksProxyInvalidConfigurationException: 400,
  XksProxyInvalidResponseException: 400,
  XksProxyUriEndpointInUseException: 400,
  XksProxyUriInUseException: 400,
  XksProxyUriUnreachableException: 400,
  XksProxyVpcEndpointServiceInUseException: 400,
  XksProxyVpcEndpointServiceInvalidConfigurationException: 400,
  XksProxyVpcEndpointServiceNotFoundException: 400,
  // Modelled KMS errors (server faults).
  DependencyTimeoutException: 503,
  KMSInternalException: 500,
  KeyUnavailableException: 500,
  // Protocol and authentication errors common to every AWS JSON service.
  AccessDeniedException: 400,
  IncompleteSignatureException: 400,
  InvalidSignatureException: 400,
  MissingAuthenticationTokenException: 400,
  UnrecognizedClientException: 400,
  ExpiredTokenException: 400,
  SerializationException: 400,
  ValidationException: 400,
  UnknownOperationException: 400,
  ThrottlingException: 400,
  RequestEntityTooLargeException: 413,
  ServiceUnavailableException: 503,
} as const satisfies Record<string, number>;

export type KmsErrorCode = keyof typeof ERROR_STATUS;

/** A typed error that the dispatcher turns into `{"__type", "message"}` with the table's status. */
export class KmsError extends Error {
  readonly code: KmsErrorCode;

  constructor(code: KmsErrorCode, message = "") {
    super(message);
    this.name = code;
    this.code = code;
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }

  get fault(): "client" | "server" {
    return this.status >= 500 ? "server" : "client";
  }
}

export function isKmsError(e: unknown): e is KmsError {
  return e instanceof KmsError;
}
