import type { Caller } from "../policy/authorizer.js";
import type { RoleSession } from "./session-credentials.js";

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
