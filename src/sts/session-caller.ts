import type { Caller } from "../policy/authorizer.js";
import { KmsError } from "../domain/errors.js";
import type { Store } from "../store/store.js";
import type { RoleSession, SessionCredentials } from "./session-credentials.js";

/** Who calls with session credentials: the assumed-role session, with its role for audit records. */
export function sessionCaller(
  s: RoleSession,
  call: { readonly region: string; readonly sourceIp: string; readonly userAgent: string; readonly secureTransport: boolean },
): Caller {
  return {
    accountId: s.accountId,
    region: call.region,
    principalArn: s.sessionArn,
    principalId: `${s.roleId}:${s.sessionName}`,
    principalType: "AssumedRole",
    accessKeyId: s.accessKeyId,
    sourceIp: call.sourceIp,
    userAgent: call.userAgent,
    secureTransport: call.secureTransport,
    session: { roleArn: s.roleArn, roleId: s.roleId, issuedAt: s.issuedAt },
  };
}

/**
 * The session of a session key as a caller, once its role is found unchanged in the store (a role
 * deleted, or deleted and created again under the same name, ends its sessions); undefined when
 * the key is no live session key. Throws UnrecognizedClientException for an orphan session.
 */
export async function resolveSession(
  sessions: SessionCredentials | undefined,
  store: Pick<Store, "getPrincipal">,
  accessKeyId: string,
  call: Parameters<typeof sessionCaller>[1],
): Promise<Caller | undefined> {
  const s = await sessions?.session(accessKeyId);
  if (s === undefined) return undefined;
  const role = await store.getPrincipal(s.roleArn);
  if (role === undefined || role.type !== "Role" || role.principalId !== s.roleId) {
    throw new KmsError("UnrecognizedClientException", "The security token included in the request is invalid.");
  }
  return sessionCaller(s, call);
}
