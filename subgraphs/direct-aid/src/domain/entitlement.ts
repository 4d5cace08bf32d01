/*
 * Monthly direct-aid entitlement of a household (ANSS, shared/notes/domain.md A5), in centimes.
 * Rules by year are data (table entitlement_schedule, shipped values below):
 * - children 0–20, at most six, ranked eldest first;
 * - ranks 1–3: aged 0–5 or 6–20 in school 200 → 250 (2025) → 300 (2026) MAD; 6–20 not in school
 *   150 → 175 → 200 MAD; ranks 4–6: 36 MAD (0–5 or in school) or 24 MAD;
 * - a fatherless child (father deceased, per filiation) 350 MAD instead, from age 6 while in school
 *   or training; a disabled fatherless child has no age limit (aid_rule, see aid-rules.ts);
 * - a disabled child +100 MAD;
 * - at least 500 MAD per household per month;
 * - birth grants, one-off: 2,000 MAD for the first birth, 1,000 MAD for the second, the rank being
 *   among all the mother's children, deceased included (population register's `birthRank`).
 */
import type { AidRules } from "./aid-rules.js";

export interface AmountsByCase {
  young: number;
  inSchool: number;
  notInSchool: number;
}

export interface ScheduleRules {
  year: number;
  firstThree: AmountsByCase;
  fourthToSixth: AmountsByCase;
  maxChildren: number;
  maxChildAge: number;
  fatherlessChild: number;
  disabledSupplement: number;
  householdFloor: number;
  birthGrants: number[];
}

const base = {
  fourthToSixth: { young: 3_600, inSchool: 3_600, notInSchool: 2_400 },
  maxChildren: 6,
  maxChildAge: 20,
  fatherlessChild: 35_000,
  disabledSupplement: 10_000,
  householdFloor: 50_000,
  birthGrants: [200_000, 100_000],
};

export const SHIPPED_SCHEDULES: readonly ScheduleRules[] = [
  { year: 2023, firstThree: { young: 20_000, inSchool: 20_000, notInSchool: 15_000 }, ...base },
  { year: 2024, firstThree: { young: 20_000, inSchool: 20_000, notInSchool: 15_000 }, ...base },
  { year: 2025, firstThree: { young: 25_000, inSchool: 25_000, notInSchool: 17_500 }, ...base },
  { year: 2026, firstThree: { young: 30_000, inSchool: 30_000, notInSchool: 20_000 }, ...base },
];

/** The schedule for a month: that year's, or the latest one before it. */
export function scheduleFor(schedules: readonly ScheduleRules[], month: string): ScheduleRules | undefined {
  const year = Number(month.slice(0, 4));
  return [...schedules]
    .filter((s) => s.year <= year)
    .sort((a, b) => a.year - b.year)
    .at(-1);
}

export interface ChildFacts {
  idcs: string;
  /** YYYY-MM-DD: the household's children are ranked eldest first. */
  birthDate: string;
  age: number;
  inSchool: boolean;
  disabled: boolean;
  fatherless: boolean;
  /** Born in the month being paid: a birth grant may be due. */
  bornThisMonth: boolean;
  /**
   * Rank among all the mother's children by birth, deceased included, eldest 1 (what the birth
   * grant counts); null when the register holds no mother, then the rank among the household's.
   */
  birthRank: number | null;
}

/** The rules of aid_rule that the amounts depend on. */
export type ChildRules = Pick<AidRules, "disabledOrphanWithoutAgeLimit" | "orphanSchoolingFromAge">;

const byBirth = (a: ChildFacts, b: ChildFacts) =>
  a.birthDate < b.birthDate ? -1 : a.birthDate > b.birthDate ? 1 : a.idcs < b.idcs ? -1 : 1;

export interface Component {
  reason: string;
  amount: number;
}

export interface Entitlement {
  amount: number;
  components: Component[];
  children: number;
  /** The children counted (at most six), eldest first: whose payee the decree's order picks. */
  counted: string[];
}

/** Whether a child is counted at all: aged 0–20, or a disabled fatherless child of any age. */
function counted(child: ChildFacts, rules: ScheduleRules, childRules: ChildRules): boolean {
  if (child.age < 0) {
    return false;
  }
  return (
    child.age <= rules.maxChildAge || (childRules.disabledOrphanWithoutAgeLimit && child.fatherless && child.disabled)
  );
}

/** The orphan amount: under school age, in school or training, or disabled (no condition then). */
function paidAsOrphan(child: ChildFacts, childRules: ChildRules): boolean {
  return (
    child.fatherless &&
    (child.age < childRules.orphanSchoolingFromAge ||
      child.inSchool ||
      (childRules.disabledOrphanWithoutAgeLimit && child.disabled))
  );
}

export function monthlyEntitlement(
  children: readonly ChildFacts[],
  rules: ScheduleRules,
  childRules: ChildRules,
): Entitlement {
  const components: Component[] = [];
  const ranked = [...children].sort(byBirth);
  const eligible = ranked.filter((c) => counted(c, rules, childRules)).slice(0, rules.maxChildren);
  eligible.forEach((child, index) => {
    const rank = index + 1;
    const amounts = rank <= 3 ? rules.firstThree : rules.fourthToSixth;
    if (paidAsOrphan(child, childRules)) {
      components.push({ reason: `Child ${rank} without a father`, amount: rules.fatherlessChild });
    } else if (child.age <= 5) {
      components.push({ reason: `Child ${rank}, aged 0–5`, amount: amounts.young });
    } else if (child.inSchool) {
      components.push({ reason: `Child ${rank}, aged 6–20, in school`, amount: amounts.inSchool });
    } else {
      components.push({ reason: `Child ${rank}, aged 6–20, not in school`, amount: amounts.notInSchool });
    }
    if (child.disabled) {
      components.push({ reason: `Child ${rank}: disability supplement`, amount: rules.disabledSupplement });
    }
  });
  const regular = components.reduce((sum, c) => sum + c.amount, 0);
  if (regular < rules.householdFloor) {
    components.push({
      reason: eligible.length === 0 ? "Household allowance (no child under 21)" : "Top-up to the household minimum",
      amount: rules.householdFloor - regular,
    });
  }
  ranked.forEach((child, index) => {
    const birth = child.birthRank ?? index + 1;
    const grant = rules.birthGrants[birth - 1];
    if (child.bornThisMonth && grant !== undefined) {
      components.push({ reason: `Birth grant (birth ${birth})`, amount: grant });
    }
  });
  return {
    amount: components.reduce((sum, c) => sum + c.amount, 0),
    components,
    children: eligible.length,
    counted: eligible.map((c) => c.idcs),
  };
}

/** Months are ISO `YYYY-MM`. */
export function isMonth(value: string): boolean {
  return /^\d{4}-(0[1-9]|1[0-2])$/.test(value);
}

export function currentMonth(now: Date = new Date()): string {
  return now.toISOString().slice(0, 7);
}
