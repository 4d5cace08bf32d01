/**
 * The persons whose data one request was served, gathered where rows are admitted (the row checks
 * of person-level types) and by the few answers about a person that are not rows (a yes/no
 * identity check, an eligibility attestation). A subgraph hands the list to the gateway with its
 * response; the gateway writes it to the access log before the caller sees anything.
 */
export class AccessTrail {
  private readonly persons = new Set<string>();
  private readonly pending: Promise<void>[] = [];

  /**
   * Records persons served: one IDCS (the common case, one per row: nothing is allocated for it),
   * several, or a promise of them when they must first be looked up (a household's members).
   */
  add(persons: string | Iterable<string> | Promise<Iterable<string>>): void {
    if (typeof persons === "string") {
      this.persons.add(persons);
    } else if (isPromise(persons)) {
      this.pending.push(persons.then((list) => this.addAll(list)));
    } else {
      this.addAll(persons);
    }
  }

  /** Everyone served; rejects when a lookup failed, and then nothing may be served. */
  async settled(): Promise<string[]> {
    while (this.pending.length > 0) {
      await Promise.all(this.pending.splice(0));
    }
    return [...this.persons];
  }

  private addAll(persons: Iterable<string>): void {
    for (const idcs of persons) {
      this.persons.add(idcs);
    }
  }
}

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as Promise<T>)?.then === "function";
}

/** The response extension a subgraph lists the persons it served in, for the gateway alone. */
export const SERVED_PERSONS = "spxServedPersons";
