import { DomainError } from "@spx/runtime/errors";

export class UnknownHouseholdError extends DomainError {
  constructor() {
    super("UNKNOWN_HOUSEHOLD", "The social register has no such household");
  }
}

export class AlreadyEnrolledError extends DomainError {
  constructor() {
    super("ALREADY_ENROLLED", "This household already receives direct aid");
  }
}

export class MonthInFutureError extends DomainError {
  constructor(month: string) {
    super("MONTH_IN_FUTURE", `Payments for ${month} cannot be run yet`);
  }
}

export class BadTransitionError extends DomainError {
  constructor(from: string, to: string) {
    super("BAD_TRANSITION", `A payment order cannot go from ${from} to ${to}`, { from, to });
  }
}
