import { type RawSql, recordEvent } from "@spx/runtime/events";
import type { EligibilityChanged } from "../domain/eligibility-changes.js";

/*
 * The social register's events (contract section 2), each written with recordEvent inside the
 * transaction that makes the change, so that an event exists if and only if its change committed.
 */

export const ELIGIBILITY_CHANGED = "eligibility.changed";
export const MEMBERS_CHANGED = "household.members-changed";
export const REVISION_REQUESTED = "revision.requested";
export const REVISION_DECIDED = "revision.decided";

/** One `eligibility.changed` per programme whose eligibility flipped (or per programme for a first index). */
export async function recordEligibilityChanges(tx: RawSql, changes: readonly EligibilityChanged[]): Promise<void> {
  for (const change of changes) {
    await recordEvent(tx, { type: ELIGIBILITY_CHANGED, subject: change.householdId, data: change });
  }
}

/** A member joined or left the household (added, removed, moved in or out). */
export async function recordMembersChanged(tx: RawSql, householdId: string): Promise<void> {
  await recordEvent(tx, { type: MEMBERS_CHANGED, subject: householdId, data: { householdId } });
}

export async function recordRevision(
  tx: RawSql,
  type: typeof REVISION_REQUESTED | typeof REVISION_DECIDED,
  revision: { householdId: string; revisionId: string; status: "OPEN" | "ACCEPTED" | "REJECTED" },
): Promise<void> {
  await recordEvent(tx, {
    type,
    subject: revision.householdId,
    data: { householdId: revision.householdId, revisionId: revision.revisionId, status: revision.status },
  });
}

/**
 * For a batch transaction (`$transaction([...])`, which takes statements, not a function): a
 * RawSql that only collects what recordEvent would execute, as statements of the batch, so that
 * the events commit with the batch's other writes or not at all.
 */
export function batchStatements<P>(run: (query: string, ...values: unknown[]) => P): {
  sql: RawSql;
  statements: P[];
} {
  const statements: P[] = [];
  return {
    statements,
    sql: {
      $executeRawUnsafe(query: string, ...values: unknown[]) {
        statements.push(run(query, ...values));
        return Promise.resolve(1);
      },
      $queryRawUnsafe() {
        return Promise.reject(new Error("A batch transaction cannot read inside itself"));
      },
    },
  };
}
