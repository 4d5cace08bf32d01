import { assertRowAllowed, type RowFacts } from "@spx/runtime/access";
import { isUuid } from "@spx/runtime/database";
import type { Household as HouseholdRow } from "../generated/prisma/index.js";
import type { Context } from "./context.js";
import { HouseholdNotFoundError } from "./errors.js";

/** Households are read nationwide, in a case worker's region, or by their own members. */
export const HOUSEHOLD_ROWS = ["sameRegion", "self"] as const;

/** What a household says about itself for its row policy: its region, and whether it is the caller's. */
export function householdFacts(household: { id: string; regionCode: string }, context: Context): RowFacts {
  return {
    region: household.regionCode,
    self: async () => (await context.callerHouseholdId()) === household.id,
  };
}

/** Household data is about each of its current members. */
export function householdPersons(household: { id: string }, context: Context): Promise<string[]> {
  return context.loaders.members.load(household.id).then((members) => members.map((m) => m.personIdcs));
}

/** For writes: refuses, before anything is written, a household outside the caller's rows. */
export function assertHouseholdAllowed(context: Context, household: { id: string; regionCode: string }) {
  return assertRowAllowed(context, HOUSEHOLD_ROWS, householdFacts(household, context), "This household");
}

/** Loads a household by id, refusing malformed ids and unknown households alike with NOT_FOUND. */
export async function requireHousehold(context: Pick<Context, "loaders">, id: string): Promise<HouseholdRow> {
  const household = isUuid(id) ? await context.loaders.household.load(id) : null;
  if (!household) {
    throw new HouseholdNotFoundError();
  }
  return household;
}
