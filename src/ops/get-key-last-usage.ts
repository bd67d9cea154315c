import type { GetKeyLastUsageRequest, GetKeyLastUsageResponse, KeyLastUsageTrackingOperation } from "../generated/kms-types.js";
import { trackingStartFor } from "../domain/key-usage.js";
import type { OpContext } from "./context.js";
import { useKey } from "./support/use-key.js";

/**
 * The last successful cryptographic use of a key (AWS, 2025): key id or key ARN only (no alias),
 * not cross-account, permission kms:GetKeyLastUsage, answered in every key state. KeyLastUsage is
 * an empty object when the key has not been used since TrackingStartDate, which is when this store
 * began tracking or the key's creation, whichever is later.
 *
 * The service's store answers getKeyUsage with uses not yet flushed included (KeyUsageTracker), so
 * a use shows here as soon as its call is answered.
 */
export async function getKeyLastUsage(ctx: OpContext, input: GetKeyLastUsageRequest): Promise<GetKeyLastUsageResponse> {
  const key = await useKey(ctx, input.KeyId, {
    operation: "GetKeyLastUsage",
    action: "kms:GetKeyLastUsage",
    allowAlias: false,
  });
  const [usage, trackingStartedAt] = await Promise.all([ctx.store.getKeyUsage(key.keyId), ctx.store.keyUsageTrackingStart()]);
  // A recorded use is always reported, even one timed before TrackingStartDate (clocks of several
  // nodes can disagree): hiding a use could let a key that is still needed look unused.
  const last = usage?.last;
  return {
    KeyId: key.keyId,
    KeyLastUsage:
      last === undefined
        ? {}
        : {
            Operation: last.operation as KeyLastUsageTrackingOperation,
            Timestamp: new Date(last.at),
            CloudTrailEventId: last.eventId,
            KmsRequestId: last.requestId,
          },
    TrackingStartDate: new Date(trackingStartFor(key.createdAt, trackingStartedAt)),
    KeyCreationDate: new Date(key.createdAt),
  };
}
