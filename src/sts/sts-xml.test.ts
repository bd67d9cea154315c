import assert from "node:assert/strict";
import { test } from "node:test";
import { elements, errorXml, isoSeconds, successXml } from "./sts-xml.js";

test("success and error documents have AWS's STS shape, with text escaped", () => {
  const ok = successXml("GetCallerIdentity", elements("    ", [["Arn", "a<&>b"]]), "rid");
  assert.equal(
    ok,
    '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">\n  <GetCallerIdentityResult>\n    <Arn>a&lt;&amp;&gt;b</Arn>\n' +
      "  </GetCallerIdentityResult>\n  <ResponseMetadata>\n    <RequestId>rid</RequestId>\n  </ResponseMetadata>\n</GetCallerIdentityResponse>\n",
  );
  const err = errorXml("Sender", "AccessDenied", "no", "rid");
  assert.match(err, /^<ErrorResponse xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/">\n  <Error>\n    <Type>Sender<\/Type>\n    <Code>AccessDenied<\/Code>\n    <Message>no<\/Message>\n  <\/Error>\n  <RequestId>rid<\/RequestId>\n<\/ErrorResponse>\n$/);
  assert.equal(isoSeconds(Date.UTC(2026, 11, 1, 12, 0, 5, 999)), "2026-12-01T12:00:05Z");
});
