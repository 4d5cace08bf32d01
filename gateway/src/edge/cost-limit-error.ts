import { DomainError } from "@spx/runtime/errors";

/**
 * An operation whose estimated cost is above the caller's budget: refused before anything is
 * planned, so no register is asked. The figures let a client split its request.
 */
export class CostLimitExceededError extends DomainError {
  constructor(estimated: number, budget: number) {
    super(
      "COST_LIMIT_EXCEEDED",
      `This operation's estimated cost (${estimated}) is above your budget (${budget}): ask for smaller pages or batches`,
      { estimated, budget, http: { status: 400 } },
    );
  }
}
