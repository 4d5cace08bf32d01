/*
 * Everything a register serves at /metrics, put together in one place so that the server only
 * wires it: process metrics, HTTP and GraphQL durations, SQL and pool figures, REGISTER_BUSY and
 * token refusals, in one registry of this service's own.
 */
import type { ApolloServerPlugin } from "@apollo/server";
import type { StatementCounter } from "../database/statement-counter.js";
import type { RequestContext } from "../server/subgraph-server.js";
import { TokenRejections } from "../tokens/token-rejections.js";
import { agencyOf, trustedOperationNames } from "./label-sets.js";
import { operationMetricsPlugin, plannedOperationName } from "./operation-metrics.js";
import { type PoolFigures, registerMetrics } from "./register-metrics.js";
import { metricsRoute, serviceRegistry } from "./registry.js";

export interface SubgraphMetricsOptions {
  statements?: StatementCounter | undefined;
  pool?: PoolFigures | undefined;
}

export function subgraphMetrics(options: SubgraphMetricsOptions) {
  const registry = serviceRegistry();
  const register = registerMetrics({ registry, statements: options.statements, pool: options.pool });
  const plugin: ApolloServerPlugin<RequestContext> = operationMetricsPlugin<RequestContext>({
    registry,
    operationNames: trustedOperationNames(),
    operationName: (request) => plannedOperationName(request.operationName),
    agency: (context) => agencyOf(context.caller),
  });
  return {
    registry,
    rejections: new TokenRejections(registry),
    busy: register.busy,
    plugin,
    route: metricsRoute(registry),
  };
}
