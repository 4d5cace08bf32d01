import type { ApolloServerPlugin, GraphQLRequestContextWillSendResponse } from "@apollo/server";
import type { GraphQLSchema } from "graphql";
import type { ServedContext } from "../context.js";
import { actualCost } from "./actual-cost.js";
import { CostLimitExceededError } from "./cost-limit-error.js";
import type { CostModel } from "./cost-model.js";
import { EstimateMemo } from "./estimate-memo.js";

/** An operation's cost with Apollo's demand-control weights: estimated before, measured after. */
export interface OperationCost {
  estimated: number;
  /** What the answer held; unknown until it is sent (and 0 when nothing was served). */
  actual: number | undefined;
  /** The caller's budget; absent when nobody is authenticated (benchmarks only). */
  budget: number | undefined;
}

/**
 * The answer's actual cost beside the estimate, for the request's operation log line (figures
 * only: never the variables, which hold IDCS and names), so that budgets and list sizes can be
 * tuned from the log; also kept on the request context.
 */
export function costOfAnswer(
  model: CostModel,
): (request: GraphQLRequestContextWillSendResponse<ServedContext>) => Record<string, unknown> | undefined {
  return ({ contextValue, document, operationName, request, response, schema }) => {
    const cost = contextValue.cost;
    if (!cost || !document) {
      return undefined;
    }
    const data = response.body.kind === "single" ? response.body.singleResult.data : undefined;
    cost.actual = actualCost(schema, model, document, operationName, request.variables ?? {}, data);
    return { cost: { estimated: cost.estimated, actual: cost.actual, budget: cost.budget } };
  };
}

/**
 * Demand control: estimates each operation from its document and variables once it is resolved,
 * and refuses it above the caller's `costBudget` before any register is asked.
 */
export function demandControlPlugin(model: CostModel): ApolloServerPlugin<ServedContext> {
  // One memo per schema the gateway serves (a new supergraph starts afresh).
  const memos = new WeakMap<GraphQLSchema, EstimateMemo>();
  const memoOf = (schema: GraphQLSchema) => {
    let memo = memos.get(schema);
    if (!memo) {
      memo = new EstimateMemo(schema, model);
      memos.set(schema, memo);
    }
    return memo;
  };
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, document, operationName, queryHash, request, schema }) {
          const estimated = memoOf(schema).estimate(queryHash, document, operationName, request.variables ?? {});
          const budget = contextValue.access?.edge.costBudget;
          contextValue.cost = { estimated, actual: undefined, budget };
          if (budget !== undefined && estimated > budget) {
            throw new CostLimitExceededError(estimated, budget);
          }
        },
      };
    },
  };
}
