import { DomainError } from "@spx/runtime/errors";

export class HouseholdNotFoundError extends DomainError {
  constructor() {
    super("NOT_FOUND", "Household not found");
  }
}

export class AlreadyInHouseholdError extends DomainError {
  constructor(idcs: string[]) {
    super("ALREADY_IN_HOUSEHOLD", "A person already belongs to another household", { idcs });
  }
}

export class UnknownPersonError extends DomainError {
  constructor(idcs: string[]) {
    super("UNKNOWN_PERSON", "A member is not in the population register", { idcs });
  }
}

export class DeceasedPersonError extends DomainError {
  constructor(idcs: string[]) {
    super("PERSON_DECEASED", "A member is recorded as deceased in the population register", { idcs });
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
