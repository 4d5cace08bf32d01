import { GraphQLObjectType, GraphQLSchema, GraphQLString } from "graphql";
import type { StatementCounter } from "../database/statement-counter.js";
import { createLogger } from "../logging/logger.js";
import { listen } from "../server/http-server.js";
import { createSubgraphHttp } from "../server/subgraph-server.js";
import { generateSigningKey, localKeySet } from "../tokens/keys.js";

// The benchmark divides the statement count a subgraph serves at /metrics by the requests it made.
test("a subgraph serves its SQL statement count at /metrics, in Prometheus text format", async () => {
  const statements: StatementCounter = { count: 0 };
  const schema = new GraphQLSchema({
    query: new GraphQLObjectType({ name: "Query", fields: { ok: { type: GraphQLString } } }),
  });
  const { server, handler } = createSubgraphHttp({
    name: "population",
    schema,
    gatewayKeys: localKeySet([(await generateSigningKey()).key]),
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
      expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
      return response.text();
    };
    expect(await read()).toMatch(/^spx_sql_statements_total 0$/m);
    statements.count += 7;
    expect(await read()).toMatch(/^# TYPE spx_sql_statements_total counter$/m);
    expect(await read()).toMatch(/^spx_sql_statements_total 7$/m);
  } finally {
    await running.close();
    await server.stop();
  }
});
