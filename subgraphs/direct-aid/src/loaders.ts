import type { AccessContext } from "@spx/runtime/access";
import { groupedLoader, isUuid, type KeyedQuery, type KeyedReads, keyedLoader } from "@spx/runtime/database";
import DataLoader from "dataloader";
import type { AidNotice, Appeal, Application, Enrolment, PaymentOrder } from "../generated/prisma/index.js";
import { applicationRows, noticeRows, orderRows } from "./access.js";
import type { AidPrisma, Reads } from "./subgraph.js";

export interface Loaders {
  enrolment: DataLoader<string, Enrolment | null>;
  /** The appeal of each application, if it was appealed. */
  appeal: DataLoader<string, Appeal | null>;
  /** Each household's applications among the caller's rows, newest first. */
  applications: DataLoader<string, Application[]>;
  /**
   * Each household's orders among the caller's rows, newest first: the field cuts them to the
   * latest few. A household has at most one order a month, so what is read beyond that stays small.
   */
  payments: DataLoader<string, PaymentOrder[]>;
  /** Each household's notices among the caller's rows, newest first. */
  notices: DataLoader<string, AidNotice[]>;
  /** Each person's notices (of the households they head or are paid for), newest first. */
  personNotices: DataLoader<string, AidNotice[]>;
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

/**
 * The same, read by key without Prisma's query compilation: the caller's rows are equalities
 * (`orderRows`, `applicationRows`), which `keyedReads` adds to its one statement.
 */
function keyedOfHouseholds<Row extends { householdId: string }>(
  rows: KeyedQuery<Row>["where"] | null,
  reads: KeyedReads<Row>,
  orderBy: KeyedQuery<Row>["orderBy"],
): DataLoader<string, Row[]> {
  return groupedLoader(
    async (ids) => {
      const keys = ids.filter(isUuid);
      return rows && keys.length > 0 ? reads.find({ key: "householdId", keys, where: rows, orderBy }) : [];
    },
    (row) => row.householdId,
  );
}

/** A notice is a person's when they head the household or are its payee: one query for all persons. */
function personNotices(prisma: AidPrisma, rows: ReturnType<typeof noticeRows>): DataLoader<string, AidNotice[]> {
  return new DataLoader<string, AidNotice[]>(async (keys) => {
    const ids = [...keys];
    const found = rows
      ? await prisma.aidNotice.findMany({
          where: { AND: [{ OR: [{ headIdcs: { in: ids } }, { payeeIdcs: { in: ids } }] }, rows] },
          orderBy: { createdAt: "desc" },
        })
      : [];
    return ids.map((idcs) => found.filter((n) => n.headIdcs === idcs || n.payeeIdcs === idcs));
  });
}

/** The caller's row restriction is fixed for the request, so it is part of the loaders' queries. */
export function createLoaders(prisma: AidPrisma, reads: Reads, access: AccessContext): Loaders {
  return {
    enrolment: keyedLoader(
      (ids) => reads.enrolment.find({ key: "householdId", keys: ids }),
      (e) => e.householdId,
    ),
    appeal: keyedLoader(
      (ids) => prisma.appeal.findMany({ where: { applicationId: { in: [...ids] } } }),
      (appeal) => appeal.applicationId,
    ),
    applications: keyedOfHouseholds(applicationRows(access), reads.application, [
      ["decidedAt", "desc"],
      ["id", "asc"],
    ]),
    payments: keyedOfHouseholds(orderRows(access), reads.paymentOrder, [
      ["month", "desc"],
      ["id", "asc"],
    ]),
    notices: ofHouseholds(noticeRows(access), (where) =>
      prisma.aidNotice.findMany({ where, orderBy: { createdAt: "desc" } }),
    ),
    personNotices: personNotices(prisma, noticeRows(access)),
  };
}
