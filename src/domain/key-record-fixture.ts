import type { KeyRecord } from "./key-record.js";

/**
 * Test fixture: a KeyRecord as CreateKey makes it with no options (an Enabled SYMMETRIC_DEFAULT
 * key of AWS_KMS origin, empty description, policy "{}", no tags, rotation off with the 365-day
 * period, revision 0), of account 111122223333 in us-east-1, created at 0, with `over` applied.
 */
export function keyRecordFixture(over: Partial<KeyRecord> = {}): KeyRecord {
  return {
    keyId: "00000000-0000-4000-8000-000000000001",
    accountId: "111122223333",
    region: "us-east-1",
    createdAt: 0,
    description: "",
    keyUsage: "ENCRYPT_DECRYPT",
    keySpec: "SYMMETRIC_DEFAULT",
    origin: "AWS_KMS",
    keyState: "Enabled",
    policy: "{}",
    tags: [],
    rotation: { enabled: false, periodDays: 365, onDemandCount: 0 },
    revision: 0,
    ...over,
  };
}
