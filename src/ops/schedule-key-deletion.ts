import type { ScheduleKeyDeletionRequest, ScheduleKeyDeletionResponse } from "../generated/kms-types.js";
import { keyArn } from "../domain/arn.js";
import { KmsError } from "../domain/errors.js";
import type { OpContext } from "./context.js";
import { mutateKey } from "./support/mutate-key.js";
import { checkKeyState, useKey } from "./support/use-key.js";

const DAY_MS = 86_400_000;
export const MIN_PENDING_WINDOW_DAYS = 7;
export const MAX_PENDING_WINDOW_DAYS = 30;

export async function scheduleKeyDeletion(
  ctx: OpContext,
  input: ScheduleKeyDeletionRequest,
): Promise<ScheduleKeyDeletionResponse> {
  const days = input.PendingWindowInDays ?? MAX_PENDING_WINDOW_DAYS;
  // The model allows 1-365; values the model accepts but KMS does not get this sentence (HTTP 400,
  // recorded from AWS through aws-sdk-go: Skyscanner/kms-issuer#8).
  if (days < MIN_PENDING_WINDOW_DAYS || days > MAX_PENDING_WINDOW_DAYS) {
    throw new KmsError(
      "ValidationException",
      `PendingWindowInDays must be between ${MIN_PENDING_WINDOW_DAYS} and ${MAX_PENDING_WINDOW_DAYS}`,
    );
  }
  const key = await useKey(ctx, input.KeyId, {
    operation: "ScheduleKeyDeletion",
    action: "kms:ScheduleKeyDeletion",
    allowAlias: false,
  });
  const deletionDate = ctx.now() + days * DAY_MS;
  const stored = await mutateKey(ctx.store, key, (cur) => {
    checkKeyState(cur, "ScheduleKeyDeletion");
    return { key: { ...cur, keyState: "PendingDeletion", deletionDate, pendingWindowDays: days } };
  });
  return {
    KeyId: keyArn(stored.region, stored.accountId, stored.keyId),
    DeletionDate: new Date(deletionDate),
    KeyState: "PendingDeletion",
    PendingWindowInDays: days,
  };
}
