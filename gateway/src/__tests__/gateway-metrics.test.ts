import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { applyMigrations, openDatabase } from "@spx/runtime/database";
import { serviceRegistry } from "@spx/runtime/metrics";
import { InternalTokenSigner } from "@spx/runtime/tokens";
import type { Registry } from "prom-client";
import type { AccessEntry } from "../access-log/entry.js";
import { ACCESS_LOG_MIGRATIONS, AccessLogStore } from "../access-log/store.js";
import { AccessLogWriter } from "../access-log/writer.js";
import type { ServedContext } from "../context.js";
import { DEFAULT_RESILIENCE } from "../edge/resilience-settings.js";
import { timedAccessLog } from "../metrics/access-log-metrics.js";
import { subgraphCallMetrics } from "../metrics/subgraph-call-metrics.js";
import { SubgraphClient } from "../subgraph-client.js";
import { subgraphFetcher } from "../subgraph-fetcher.js";

/*
 * What an operator sees at /metrics when a register stops answering (its circuit opens) and when
 * the access log cannot be written: the failures are counted, against real sockets and a real
 * database.
 */

const value = async (registry: Registry, name: string, labels = "") => {
  const text = await registry.metrics();
  const line = text.split("\n").find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ""} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
};

it("counts the calls to a register that refuses connections, and shows its circuit open", async () => {
  // A port nothing listens on: every call is refused at once.
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
  const { port } = closed.address() as AddressInfo;
  await new Promise((resolve) => closed.close(resolve));
  const registry = serviceRegistry();
  const clients: SubgraphClient[] = [];
  const observe = subgraphCallMetrics(registry, ["population"], () =>
    clients.map((c) => ({ name: c.subgraphName, circuit: c.circuit })),
  );
  const transport = subgraphFetcher();
  const key = InternalTokenSigner.generate();
  const client = new SubgraphClient("population", `http://127.0.0.1:${port}/graphql`, key, transport.fetcher, {
    timeoutMs: 500,
    breaker: { ...DEFAULT_RESILIENCE.breaker, volumeThreshold: 3 },
    observe,
  });
  clients.push(client);
  try {
    expect(await value(registry, "spx_subgraph_circuit_state", 'subgraph_name="population"')).toBe(0);
    const context = { requestId: "t" } as unknown as ServedContext;
    const operation = {
      kind: "incoming operation",
      request: { query: "{ __typename }", variables: {} },
      context,
      incomingRequestContext: { context },
    } as unknown as Parameters<SubgraphClient["process"]>[0];
    for (let i = 0; i < 5 && client.circuit === "closed"; i++) {
      await client.process(operation);
    }
    expect(client.circuit).toBe("open");
    await client.process(operation);
    expect(await value(registry, "spx_subgraph_circuit_state", 'subgraph_name="population"')).toBe(2);
    expect(
      await value(registry, "spx_subgraph_fetch_errors_total", 'subgraph_name="population",error_code="UNREACHABLE"'),
    ).toBeGreaterThanOrEqual(3);
    expect(await value(registry, "spx_subgraph_circuit_short_circuits_total", 'subgraph_name="population"')).toBe(1);
    expect(
      await value(
        registry,
        "http_client_request_duration_seconds_count",
        'subgraph_name="population",outcome="CIRCUIT_OPEN"',
      ),
    ).toBe(1);
  } finally {
    client.shutdown();
    await transport.close();
  }
});

it("times the access log's appends, and counts those that fail", async () => {
  const database = await openDatabase({ name: "access-log", dataDir: "", inMemory: true });
  const registry = serviceRegistry();
  const entry = (): AccessEntry => ({
    id: randomUUID(),
    at: new Date(),
    requestId: randomUUID(),
    agency: "ANR",
    role: "SYSTEM",
    subject: "test",
    callerIdcs: null,
    purpose: "REGISTRATION",
    operationName: null,
    documentHash: "0".repeat(64),
    documentId: null,
    served: ["Person.idcs"],
    refused: [],
    kinds: ["identity"],
    persons: [],
  });
  try {
    const writer = new AccessLogWriter(timedAccessLog(new AccessLogStore(database.sql), registry));
    // Not migrated yet: the append function does not exist, the batch fails, and its retry too.
    await expect(writer.record(entry())).rejects.toThrow();
    expect(await value(registry, "spx_access_log_append_failures_total")).toBe(2);
    await applyMigrations(database.sql, ACCESS_LOG_MIGRATIONS);
    await Promise.all([writer.record(entry()), writer.record(entry()), writer.record(entry())]);
    expect(await value(registry, "spx_access_log_append_failures_total")).toBe(2);
    expect(await value(registry, "spx_access_log_append_duration_seconds_count")).toBeGreaterThanOrEqual(3);
    expect(await value(registry, "spx_access_log_batch_entries_sum")).toBe(5);
  } finally {
    await database.close();
  }
});
