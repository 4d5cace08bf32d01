import { DomainError } from "@spx/runtime/errors";

export class HouseholdNotFoundError extends DomainError {
  constructor() {
    super("NOT_FOUND", "Household not found");
  }
}

/** With `idcs`: some of them are in another household; without: the person is already in that one. */
export class AlreadyInHouseholdError extends DomainError {
  constructor(idcs?: string[]) {
    super(
      "ALREADY_IN_HOUSEHOLD",
      idcs ? "A person already belongs to another household" : "This person already belongs to that household",
      idcs ? { idcs } : {},
    );
  }
}

/** Of the household named (`household`), or of any household (`any`). */
export class NotAMemberError extends DomainError {
  constructor(of: "household" | "any") {
    super(
      "NOT_A_MEMBER",
      of === "household"
        ? "This person is not a current member of the household"
        : "This person belongs to no household",
    );
  }
}

export class HeadCannotLeaveError extends DomainError {
  constructor(how: "removed" | "moved") {
    super(
      "HEAD_CANNOT_LEAVE",
      how === "removed" ? "The head cannot be removed from the household" : "The head cannot move out of the household",
    );
  }
}

export class AlreadyResolvedError extends DomainError {
  constructor() {
    super("ALREADY_RESOLVED", "This revision request was already answered");
  }
}

export class UnknownPersonError extends DomainError {
  constructor(idcs: string[]) {
    super("UNKNOWN_PERSON", "A member is not in the population register", { idcs });
  }
}

export class MinorHeadError extends DomainError {
  constructor() {
    super("MINOR_HEAD", "The head of a household must be an adult");
  }
}

export class NoDeclarationError extends DomainError {
  constructor() {
    super("NO_DECLARATION", "This household has not declared its living conditions yet");
  }
}
