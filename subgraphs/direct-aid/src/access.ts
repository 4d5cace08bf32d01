import { type AccessContext, listRestriction, type Policy } from "@spx/runtime/access";
import type { Prisma } from "../generated/prisma/index.js";

/** Enrolments and applications are read nationwide, in a case worker's region, or by the head. */
export const HOUSEHOLD_ROWS = ["sameRegion", "self"] as const satisfies readonly Exclude<Policy, "nationwide">[];

/** Payment orders also by the payment institution that pays them. */
export const ORDER_ROWS = ["sameRegion", "self", "ownPayments"] as const satisfies readonly Exclude<
  Policy,
  "nationwide"
>[];

/**
 * The SQL restriction of a list of payment orders for this caller: `{}` for every order, the
 * orders of a region, of a beneficiary or of a payment institution; `null` when it may list none.
 */
export function orderRows(context: AccessContext): Prisma.PaymentOrderWhereInput | null {
  const rows = listRestriction(context, ORDER_ROWS);
  if (!rows) {
    return {};
  }
  if (rows.none) {
    return null;
  }
  return {
    ...(rows.region ? { regionCode: rows.region } : {}),
    ...(rows.idcs ? { beneficiaryIdcs: rows.idcs } : {}),
    ...(rows.agency ? { institution: rows.agency } : {}),
  };
}

/** The SQL restriction of a list of applications for this caller (see `orderRows`). */
export function applicationRows(context: AccessContext): Prisma.ApplicationWhereInput | null {
  const rows = listRestriction(context, HOUSEHOLD_ROWS);
  if (!rows) {
    return {};
  }
  if (rows.none) {
    return null;
  }
  return {
    ...(rows.region ? { regionCode: rows.region } : {}),
    ...(rows.idcs ? { headIdcs: rows.idcs } : {}),
  };
}
