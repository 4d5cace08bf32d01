import { idcsProblem } from "@spx/reference/idcs";
import { provinceOf, regionByCode } from "@spx/reference/regions";

import type { FieldProblem } from "@spx/runtime/errors";
import type { Milieu } from "./household-facts.js";

/**
 * Relationship to the head. GRANDCHILD: orphaned grandchildren in a grandparent's care (a
 * grandmother heading the household, often with a kafala); OTHER_RELATIVE: any other kin.
 */
export const RELATIONSHIPS = ["HEAD", "SPOUSE", "CHILD", "GRANDCHILD", "PARENT", "OTHER_RELATIVE", "OTHER"] as const;
export type Relationship = (typeof RELATIONSHIPS)[number];

export interface HouseholdAddress {
  regionCode: string;
  province: string;
  commune: string;
  milieu: Milieu;
}

export interface MemberInput {
  idcs: string;
  relationship: Relationship;
}

/** Rules that need no register: well-formed IDCS, one head who is listed once, a real address. */
export function checkHouseholdInput(
  headIdcs: string,
  members: readonly MemberInput[],
  address: HouseholdAddress,
): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const all = [headIdcs, ...members.map((m) => m.idcs)];
  if (all.some((idcs) => idcsProblem(idcs) !== null)) {
    problems.push({ field: "members", message: "every IDCS must be 10 digits with a valid check digit" });
  }
  if (new Set(all).size !== all.length) {
    problems.push({ field: "members", message: "a person is listed twice" });
  }
  if (members.some((m) => m.relationship === "HEAD")) {
    problems.push({ field: "members", message: "the head is given as headIdcs, not among the members" });
  }
  if (members.length > 30) {
    problems.push({ field: "members", message: "a household has at most 30 members" });
  }
  const region = regionByCode(address.regionCode);
  if (!region) {
    problems.push({ field: "address.regionCode", message: "must be one of the 12 official region codes 01–12" });
  } else if (!provinceOf(region.code, address.province)) {
    problems.push({ field: "address.province", message: `is not a province or prefecture of region ${region.code}` });
  }
  if (address.commune.trim().length === 0 || address.commune.length > 100) {
    problems.push({ field: "address.commune", message: "is required (at most 100 characters)" });
  }
  return problems;
}
