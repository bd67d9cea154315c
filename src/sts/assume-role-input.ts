import { validationError } from "./sts-error.js";

/** AssumeRole's parameters, checked as STS checks them (API reference, AssumeRole). */
export interface AssumeRoleInput {
  readonly roleArn: string;
  readonly roleSessionName: string;
  readonly durationSeconds: number;
  /** The third party's identifier, matched by trust policies through the sts:ExternalId condition key. */
  readonly externalId?: string;
}

const SESSION_NAME = /^[\w+=,.@-]*$/;
const EXTERNAL_ID = /^[\w+=,.@:/-]*$/;
const DURATION = /^\d{1,6}$/;
/** Parameters Trent does not implement: refused rather than ignored (each would narrow or tag the session). */
const UNSUPPORTED = ["Policy", "SerialNumber", "TokenCode", "SourceIdentity"] as const;
const UNSUPPORTED_PREFIXES = ["PolicyArns.", "Tags.", "TransitiveTagKeys.", "ProvidedContexts."] as const;

function constraint(value: string | null, member: string, rule: string): string {
  const shown = value === null ? "null" : `'${value}'`;
  return `1 validation error detected: Value ${shown} at '${member}' failed to satisfy constraint: ${rule}`;
}

export function parseAssumeRole(params: URLSearchParams): AssumeRoleInput {
  for (const name of UNSUPPORTED) {
    if (params.has(name)) throw validationError(`Trent does not support ${name} in AssumeRole.`);
  }
  for (const name of params.keys()) {
    if (UNSUPPORTED_PREFIXES.some((p) => name.startsWith(p))) {
      throw validationError(`Trent does not support ${name.slice(0, name.indexOf("."))} in AssumeRole.`);
    }
  }
  const roleArn = params.get("RoleArn");
  if (roleArn === null) throw validationError(constraint(null, "roleArn", "Member must not be null"));
  if (roleArn.length < 20) throw validationError(constraint(roleArn, "roleArn", "Member must have length greater than or equal to 20"));
  if (roleArn.length > 2048) throw validationError(constraint(roleArn, "roleArn", "Member must have length less than or equal to 2048"));
  const name = params.get("RoleSessionName");
  if (name === null) throw validationError(constraint(null, "roleSessionName", "Member must not be null"));
  if (name.length < 2) throw validationError(constraint(name, "roleSessionName", "Member must have length greater than or equal to 2"));
  if (name.length > 64) throw validationError(constraint(name, "roleSessionName", "Member must have length less than or equal to 64"));
  if (!SESSION_NAME.test(name)) {
    throw validationError(constraint(name, "roleSessionName", "Member must satisfy regular expression pattern: [\\w+=,.@-]*"));
  }
  const rawDuration = params.get("DurationSeconds");
  let durationSeconds = 3600;
  if (rawDuration !== null) {
    if (!DURATION.test(rawDuration)) throw validationError(`Value '${rawDuration.slice(0, 32)}' for DurationSeconds is not a valid integer.`);
    durationSeconds = Number(rawDuration);
    if (durationSeconds < 900) {
      throw validationError(constraint(rawDuration, "durationSeconds", "Member must have value greater than or equal to 900"));
    }
    if (durationSeconds > 43200) {
      throw validationError(constraint(rawDuration, "durationSeconds", "Member must have value less than or equal to 43200"));
    }
  }
  const externalId = params.get("ExternalId");
  if (externalId !== null) {
    if (externalId.length < 2) throw validationError(constraint(externalId, "externalId", "Member must have length greater than or equal to 2"));
    if (externalId.length > 1224) throw validationError(constraint(externalId.slice(0, 32), "externalId", "Member must have length less than or equal to 1224"));
    if (!EXTERNAL_ID.test(externalId)) {
      throw validationError(constraint(externalId, "externalId", "Member must satisfy regular expression pattern: [\\w+=,.@:\\/-]*"));
    }
  }
  return { roleArn, roleSessionName: name, durationSeconds, ...(externalId !== null ? { externalId } : {}) };
}
