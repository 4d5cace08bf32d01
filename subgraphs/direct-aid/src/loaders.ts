import type { AccessContext } from "@spx/runtime/access";
import { groupedLoader, isUuid, keyedLoader } from "@spx/runtime/database";
import type DataLoader from "dataloader";
import type { Application, Enrolment, PaymentOrder } from "../generated/prisma/index.js";
import { applicationRows, orderRows } from "./access.js";
import type { AidPrisma, Reads } from "./subgraph.js";

export interface Loaders {
  enrolment: DataLoader<string, Enrolment | null>;
  /** The appeal of each application, if it was appealed. */
  appeal: DataLoader<string, { applicationId: string } | null>;
  /** Each household's applications among the caller's rows, newest first. */
  applications: DataLoader<string, Application[]>;
  /**
   * Each household's orders among the caller's rows, newest first: the field cuts them to the
   * latest few. A household has at most one order a month, so what is read beyond that stays small.
   */
  payments: DataLoader<string, PaymentOrder[]>;
}

/**
 * The rows of each household among the caller's (`rows`); nothing is asked when that is none (null).
 * A household id from a reference that cannot be one has no rows, and fails no one else's batch.
 */
function ofHouseholds<Where, Row extends { householdId: string }>(
  rows: Where | null,
  find: (where: { AND: [{ householdId: { in: string[] } }, Where] }) => Promise<Row[]>,
): DataLoader<string, Row[]> {
  return groupedLoader(
    async (ids) => (rows ? find({ AND: [{ householdId: { in: ids.filter(isUuid) } }, rows] }) : []),
    (row) => row.householdId,
  );
}

/** The caller's row restriction is fixed for the request, so it is part of the loaders' queries. */
export function createLoaders(prisma: AidPrisma, reads: Reads, access: AccessContext): Loaders {
  return {
    enrolment: keyedLoader(
      (ids) => reads.enrolment.find({ key: "householdId", keys: ids }),
      (e) => e.householdId,
    ),
    appeal: keyedLoader(
      (ids) => prisma.appeal.findMany({ where: { applicationId: { in: [...ids] } }, select: { applicationId: true } }),
      (appeal) => appeal.applicationId,
    ),
    applications: ofHouseholds(applicationRows(access), (where) =>
      prisma.application.findMany({ where, orderBy: { decidedAt: "desc" } }),
    ),
    payments: ofHouseholds(orderRows(access), (where) =>
      prisma.paymentOrder.findMany({ where, orderBy: { month: "desc" } }),
    ),
  };
}
