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

export class NoScheduleError extends DomainError {
  constructor(month: string) {
    super("NO_SCHEDULE", `No entitlement schedule for ${month}`);
  }
}

export class NotRefusedError extends DomainError {
  constructor() {
    super("NOT_REFUSED", "Only a refusal can be appealed");
  }
}

export class AppealTooLateError extends DomainError {
  constructor(days: number, deadline: Date) {
    super("APPEAL_TOO_LATE", `The ${days}-day appeal period has passed`, { deadline: deadline.toISOString() });
  }
}

export class AlreadyAppealedError extends DomainError {
  constructor() {
    super("ALREADY_APPEALED", "This decision was already appealed");
  }
}

export class BadTransitionError extends DomainError {
  constructor(from: string, to: string) {
    super("BAD_TRANSITION", `A payment order cannot go from ${from} to ${to}`, { from, to });
  }
}

export class NotAppealedError extends DomainError {
  constructor() {
    super("NOT_APPEALED", "This decision was not appealed");
  }
}

export class AppealAlreadyDecidedError extends DomainError {
  constructor(status: string) {
    super("APPEAL_ALREADY_DECIDED", "This appeal was already decided", { status });
  }
}

export class NoInstitutionError extends DomainError {
  constructor() {
    super("NO_PAYMENT_INSTITUTION", "Say through which payment institution the household is to be paid");
  }
}
