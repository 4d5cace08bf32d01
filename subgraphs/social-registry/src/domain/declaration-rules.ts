import type { FieldProblem } from "@spx/runtime/errors";
import {
  DURABLE_GOODS,
  type DurableGood,
  ENROLMENT_LEVELS,
  type Enrolment,
  type HousingType,
  INSTITUTION_TYPES,
  type Occupancy,
  type Occupation,
  type Schooling,
} from "./household-facts.js";

/** One member's line of a declaration, as the register keeps it. */
export interface MemberDetailInput {
  idcs: string;
  /** Highest level completed (the index reads it). */
  attainment: Schooling;
  occupation: Occupation;
  /** Where the member is enrolled this school year; null when not enrolled. */
  enrolment: Enrolment | null;
}

/**
 * A member's line as a client sends it: `attainment`, or `schooling`, its deprecated name from
 * before enrolment was declared apart (both accepted so that existing clients keep working).
 */
export interface MemberDetailRequest {
  idcs: string;
  attainment?: Schooling | null | undefined;
  schooling?: Schooling | null | undefined;
  occupation: Occupation;
  enrolment?: Enrolment | null | undefined;
}

/** The school year a day falls in: Moroccan school years start in September ("2026-2027"). */
export function schoolYearOn(day: Date): string {
  const year = day.getUTCFullYear();
  const start = day.getUTCMonth() >= 8 ? year : year - 1;
  return `${start}-${start + 1}`;
}

/** The school years a declaration made on `day` may give: this one, or the next (declared over the summer). */
function acceptedSchoolYears(day: Date): string[] {
  const start = Number(schoolYearOn(day).slice(0, 4));
  return [`${start}-${start + 1}`, `${start + 1}-${start + 2}`];
}

/**
 * Members' lines from a request: the deprecated `schooling` stands for `attainment`; given both,
 * they must agree. Problems name the member's place in the list.
 */
export function memberDetailsOf(
  members: readonly MemberDetailRequest[],
  on: Date,
): { members: MemberDetailInput[]; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const accepted = acceptedSchoolYears(on);
  const details = members.map((m, i): MemberDetailInput => {
    const field = `members.${i}`;
    const attainment = m.attainment ?? m.schooling ?? null;
    if (attainment === null) {
      problems.push({ field: `${field}.attainment`, message: "is required (highest level of schooling completed)" });
    } else if (m.attainment && m.schooling && m.attainment !== m.schooling) {
      problems.push({
        field: `${field}.schooling`,
        message: "is the deprecated name of attainment and disagrees with it",
      });
    }
    const enrolment = m.enrolment ?? null;
    if (enrolment) {
      const match = /^(\d{4})-(\d{4})$/.exec(enrolment.schoolYear);
      if (!match || Number(match[2]) !== Number(match[1]) + 1) {
        problems.push({ field: `${field}.enrolment.schoolYear`, message: 'must be a school year such as "2026-2027"' });
      } else if (!accepted.includes(enrolment.schoolYear)) {
        problems.push({
          field: `${field}.enrolment.schoolYear`,
          message: `must be the current school year or the next (${accepted.join(" or ")})`,
        });
      }
      if (!ENROLMENT_LEVELS.includes(enrolment.level) || !INSTITUTION_TYPES.includes(enrolment.institutionType)) {
        problems.push({ field: `${field}.enrolment`, message: "has an unknown level or institution type" });
      }
    }
    return {
      idcs: m.idcs,
      attainment: attainment ?? "NONE",
      occupation: m.occupation,
      enrolment: enrolment
        ? { level: enrolment.level, institutionType: enrolment.institutionType, schoolYear: enrolment.schoolYear }
        : null,
    };
  });
  return { members: details, problems };
}

/** Living conditions as a household declares them; amounts in centimes per month. */
export interface DeclarationInput {
  housingType: HousingType;
  rooms: number;
  occupancy: Occupancy;
  waterConnected: boolean;
  electricityConnected: boolean;
  electricitySpending: number;
  waterSpending: number;
  telephoneSpending: number;
  gasSpending: number;
  durableGoods: readonly DurableGood[];
  livestockHeads: number;
  landHectares: number;
  members: readonly MemberDetailInput[];
}

// Monthly amounts above these are not household spending but typing errors (MAD × 100).
const SPENDING_CAPS = {
  electricitySpending: 1_000_000,
  waterSpending: 500_000,
  telephoneSpending: 500_000,
  gasSpending: 200_000,
} as const;

/**
 * Rules for a declaration: plausible numbers, one detail line for each current member and no one
 * else, no good listed twice.
 */
export function checkDeclaration(input: DeclarationInput, memberIdcs: readonly string[]): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (!Number.isInteger(input.rooms) || input.rooms < 1 || input.rooms > 50) {
    problems.push({ field: "rooms", message: "must be a whole number from 1 to 50" });
  }
  for (const [field, cap] of Object.entries(SPENDING_CAPS) as [keyof typeof SPENDING_CAPS, number][]) {
    const amount = input[field];
    if (!Number.isInteger(amount) || amount < 0) {
      problems.push({ field, message: "must be a non-negative amount" });
    } else if (amount > cap) {
      problems.push({ field, message: `is implausibly high (more than ${cap / 100} MAD a month)` });
    }
  }
  if (input.electricitySpending > 0 && !input.electricityConnected) {
    problems.push({ field: "electricitySpending", message: "declared for a dwelling without electricity" });
  }
  if (!Number.isInteger(input.livestockHeads) || input.livestockHeads < 0 || input.livestockHeads > 5_000) {
    problems.push({ field: "livestockHeads", message: "must be a whole number from 0 to 5000" });
  }
  if (!Number.isFinite(input.landHectares) || input.landHectares < 0 || input.landHectares > 10_000) {
    problems.push({ field: "landHectares", message: "must be between 0 and 10000 hectares" });
  }
  if (
    new Set(input.durableGoods).size !== input.durableGoods.length ||
    input.durableGoods.some((g) => !DURABLE_GOODS.includes(g))
  ) {
    problems.push({ field: "durableGoods", message: "lists a good twice or an unknown good" });
  }
  const declared = input.members.map((m) => m.idcs);
  const expected = new Set(memberIdcs);
  if (declared.length !== expected.size || declared.some((idcs) => !expected.has(idcs))) {
    problems.push({ field: "members", message: "must give attainment and occupation for each current member, once" });
  }
  return problems;
}
