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
