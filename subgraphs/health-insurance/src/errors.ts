import { DomainError } from "@spx/runtime/errors";

export class NotEligibleError extends DomainError {
  constructor(reason: string) {
    super("NOT_ELIGIBLE", reason);
  }
}

export class AlreadyCoveredError extends DomainError {
  constructor(idcs: string[]) {
    super("ALREADY_COVERED", "A person is already covered by another affiliation", { idcs });
  }
}

export class UnknownHouseholdError extends DomainError {
  constructor() {
    super("UNKNOWN_HOUSEHOLD", "The social register has no such household");
  }
}

export class BadTransitionError extends DomainError {
  constructor(from: string, to: string) {
    super("BAD_TRANSITION", `An affiliation cannot go from ${from} to ${to}`, { from, to });
  }
}
