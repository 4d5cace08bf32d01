import { type AccessContext, listRestriction, type Policy } from "@spx/runtime/access";
import type { Application, PaymentOrder, Prisma } from "../generated/prisma/index.js";

/** Enrolments and applications are read nationwide, in a case worker's region, or by the head. */
export const HOUSEHOLD_ROWS = ["sameRegion", "self"] as const satisfies readonly Exclude<Policy, "nationwide">[];

/** Payment orders also by the payment institution that pays them. */
export const ORDER_ROWS = ["sameRegion", "self", "ownPayments"] as const satisfies readonly Exclude<
  Policy,
  "nationwide"
>[];

type Restriction = Omit<NonNullable<ReturnType<typeof listRestriction>>, "none">;

/** `{}` for every row, `null` when the caller may list none, else the caller's rows as `where` words them. */
function restricted<Where>(
  context: AccessContext,
  admitted: readonly Exclude<Policy, "nationwide">[],
  where: (rows: Restriction) => Where,
): Where | null {
  const rows = listRestriction(context, admitted);
  if (!rows) {
    return where({});
  }
  return rows.none ? null : where(rows);
}

/**
 * The SQL restriction of a list of payment orders for this caller: `{}` for every order, the
 * orders of a region, of a beneficiary or of a payment institution; `null` when it may list none.
 */
export function orderRows(
  context: AccessContext,
): Partial<Pick<PaymentOrder, "regionCode" | "beneficiaryIdcs" | "institution">> | null {
  return restricted(context, ORDER_ROWS, (rows) => ({
    ...(rows.region ? { regionCode: rows.region } : {}),
    ...(rows.idcs ? { beneficiaryIdcs: rows.idcs } : {}),
    ...(rows.agency ? { institution: rows.agency } : {}),
  }));
}

/**
 * The SQL restriction of a list of applications for this caller (see `orderRows`). Both are
 * equalities only, so that the loaders read them by key without Prisma (`keyedReads`).
 */
export function applicationRows(context: AccessContext): Partial<Pick<Application, "regionCode" | "headIdcs">> | null {
  return restricted(context, HOUSEHOLD_ROWS, (rows) => ({
    ...(rows.region ? { regionCode: rows.region } : {}),
    ...(rows.idcs ? { headIdcs: rows.idcs } : {}),
  }));
}

/**
 * The SQL restriction of a list of notices for this caller: a case worker's region, or a citizen's
 * own (the households they head or are paid for); `null` when it may list none.
 */
export function noticeRows(context: AccessContext): Prisma.AidNoticeWhereInput | null {
  return restricted(context, HOUSEHOLD_ROWS, (rows) => ({
    ...(rows.region ? { regionCode: rows.region } : {}),
    ...(rows.idcs ? { OR: [{ headIdcs: rows.idcs }, { payeeIdcs: rows.idcs }] } : {}),
  }));
}
