import type { IdcsProblem } from "@spx/reference/idcs";
import { DomainError } from "@spx/runtime/errors";

export class BadIdcsError extends DomainError {
  constructor(problem: IdcsProblem) {
    super(
      "BAD_IDCS",
      problem === "FORMAT" ? "An IDCS is 10 digits, the first one 1 to 8" : "This IDCS has a wrong check digit",
      { reason: problem },
    );
  }
}

export class DuplicateCinError extends DomainError {
  constructor() {
    super("DUPLICATE_CIN", "A person with this CIN is already registered");
  }
}

/** The same names, birth date and birth place are already registered: maybe the same person. */
export class PossibleDuplicateError extends DomainError {
  constructor(candidates: string[]) {
    super(
      "POSSIBLE_DUPLICATE",
      "A person with the same names, birth date and birth place is registered; confirm with confirmedDistinctFrom if this is someone else",
      { candidates },
    );
  }
}

export class AlreadyDeceasedError extends DomainError {
  constructor() {
    super("ALREADY_DECEASED", "This person's death is already recorded");
  }
}

/** A marriage beyond the number a spouse may have in force (civil_rule MAX_MARRIAGES_IN_FORCE_*). */
export class MarriageLimitError extends DomainError {
  constructor(field: "husbandIdcs" | "wifeIdcs", limit: number) {
    super(
      "MARRIAGE_LIMIT_REACHED",
      `The ${field === "husbandIdcs" ? "husband" : "wife"} already has ${limit} marriage${limit === 1 ? "" : "s"} in force on that date`,
      { field, limit },
    );
  }
}

/** A filiation that would make someone their own ancestor. */
export class FiliationCycleError extends DomainError {
  constructor(field: string) {
    super("FILIATION_CYCLE", "This parent descends from the child in the register: nobody is their own ancestor", {
      field,
    });
  }
}

/** Ending a marriage or guardianship that has already ended. */
export class NotInForceError extends DomainError {
  constructor(what: string) {
    super("NOT_IN_FORCE", `${what} has already ended`);
  }
}

export class AlreadyRecordedError extends DomainError {
  constructor(message: string) {
    super("ALREADY_RECORDED", message);
  }
}
