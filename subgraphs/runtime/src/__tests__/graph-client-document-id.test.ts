import { createHash } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createGraphClient } from "../clients/graph-client.js";

const DOCUMENT = "query Check($idcs: [ID!]!) { people(idcs: $idcs) { idcs } }";

it("sends a register's document by id (sha256: of the exact text), never its text", async () => {
  const received: unknown[] = [];
  const server = createServer((req, res) => {
    let text = "";
    req.on("data", (chunk: Buffer) => {
      text += chunk.toString("utf8");
    });
    req.on("end", () => {
      received.push(JSON.parse(text));
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ data: { people: [] } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const graph = createGraphClient({ url: () => `http://127.0.0.1:${port}/graphql`, token: async () => "token" });
    await graph.query(DOCUMENT, { idcs: ["1000000009"] });
    await graph.query(DOCUMENT, { idcs: [] });
    const id = `sha256:${createHash("sha256").update(DOCUMENT, "utf8").digest("hex")}`;
    expect(received).toEqual([
      { documentId: id, variables: { idcs: ["1000000009"] } },
      { documentId: id, variables: { idcs: [] } },
    ]);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});
