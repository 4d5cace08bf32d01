import { GraphQLObjectType, GraphQLSchema, GraphQLString } from "graphql";
import type { StatementCounter } from "../database/statement-counter.js";
import { createLogger } from "../logging/logger.js";
import { boundedCounter, OTHER } from "../metrics/bounded-labels.js";
import { serviceRegistry } from "../metrics/registry.js";
import { listen } from "../server/http-server.js";
import { createSubgraphHttp } from "../server/subgraph-server.js";
import { InternalTokenSigner } from "../tokens/internal-token.js";

// The benchmark divides the statement count a subgraph serves at /metrics by the requests it made.
test("a subgraph serves its SQL statement count at /metrics, in Prometheus text format", async () => {
  const statements: StatementCounter = { count: 0 };
  const schema = new GraphQLSchema({
    query: new GraphQLObjectType({ name: "Query", fields: { ok: { type: GraphQLString } } }),
  });
  const { server, handler } = createSubgraphHttp({
    name: "population",
    schema,
    tokenKeys: InternalTokenSigner.generate().keyringFor("population"),
    logger: createLogger("population", "silent"),
    extendContext: (base) => base,
    ready: async () => true,
    statements,
  });
  await server.start();
  const running = await listen(handler, 0);
  try {
    const read = async () => {
      const response = await fetch(`${running.url}/metrics`);
      expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
      return response.text();
    };
    expect(await read()).toMatch(/^spx_sql_statements_total 0$/m);
    statements.count += 7;
    const text = await read();
    expect(text).toMatch(/^# TYPE spx_sql_statements_total counter$/m);
    expect(text).toMatch(/^spx_sql_statements_total 7$/m);
    // Token refusals are there from the start, every reason at zero; and the process's own figures.
    expect(text).toMatch(/^spx_internal_token_rejections_total\{reason="expired"\} 0$/m);
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
    // A request without a token is refused, and counted (its HTTP answer too).
    const refused = await fetch(`${running.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ ok }" }),
    });
    expect(refused.status).toBe(401);
    const after = await read();
    expect(after).toMatch(/^spx_internal_token_rejections_total\{reason="missing"\} 1$/m);
    expect(after).toMatch(
      /^http_server_request_duration_seconds_count\{http_request_method="POST",http_route="\/graphql",http_response_status_code="401"\} 1$/m,
    );
  } finally {
    await running.close();
    await server.stop();
  }
});

test("a bounded label records a value outside its set as `other`, and never the value itself", async () => {
  const registry = serviceRegistry();
  const refusals = boundedCounter(registry, {
    name: "test_refusals_total",
    help: "test",
    labels: { code: ["RATE_LIMITED"], agency: ["CNSS"] },
  });
  refusals.inc({ code: "RATE_LIMITED", agency: "CNSS" });
  refusals.inc({ code: "RATE_LIMITED", agency: "1234567890" });
  refusals.inc({ code: "anything a client wrote", agency: "CNSS" }, 2);
  const text = await registry.getSingleMetricAsString("test_refusals_total");
  expect(text).toContain('test_refusals_total{code="RATE_LIMITED",agency="CNSS"} 1');
  expect(text).toContain(`test_refusals_total{code="RATE_LIMITED",agency="${OTHER}"} 1`);
  expect(text).toContain(`test_refusals_total{code="${OTHER}",agency="CNSS"} 2`);
  expect(text).not.toContain("1234567890");
  expect(text).not.toContain("client");
});
