/**
 * The peer Trent is measured against: a bare node:http server that reads the body the way
 * Trent's HTTP front does, parses it as JSON, and answers a small JSON. No signature check,
 * no crypto, no store. Prints {"endpoint": ...} on stdout once listening; SIGTERM stops it.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

const server = createServer({ keepAlive: true, keepAliveTimeout: 65_000, requestTimeout: 30_000 }, (req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    const body = chunks.length === 1 && chunks[0] !== undefined ? chunks[0] : Buffer.concat(chunks);
    let fields = 0;
    let status = 200;
    try {
      const parsed: unknown = JSON.parse(body.toString("utf8"));
      fields = typeof parsed === "object" && parsed !== null ? Object.keys(parsed).length : 0;
    } catch {
      status = 400;
    }
    const out = JSON.stringify({ target: req.headers["x-amz-target"] ?? "", bytes: body.length, fields });
    res.writeHead(status, { "content-type": "application/x-amz-json-1.1", "content-length": Buffer.byteLength(out) });
    res.end(out);
  });
});

server.listen(Number(process.argv[2] ?? 0), "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ msg: "echo listening", endpoint: `http://127.0.0.1:${port}` })}\n`);
});

const stop = (): void => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
