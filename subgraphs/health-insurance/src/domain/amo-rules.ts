/*
 * The AMO rules this register applies, as data with the date each version took effect (table
 * amo_rule, seeded with the shipped versions below; an operator's row is never overwritten).
 * Sources (shared/notes/domain.md A4):
 * - dependants: law 65-00 as summarised by ANAM (spouse or spouses not insured elsewhere; children
 *   up to 21, up to 26 unmarried in higher education; kafala children; disabled children without age
 *   limit; both parents insured: the father's insurer, after a divorce the custodian's);
 * - AMO-Tadamon: law 65-00 as amended by law 27.22, decree published 30 Nov 2022, in force 1 Dec 2022
 *   (10.4 M RAMED beneficiaries switched that day);
 * - AMO Achamil: law 60.22 (Dahir 1.23.41 of 25 May 2023) applied by decree 2.23.690 of 15 Dec 2023:
 *   persons with no activity, rights after the first contribution and a 3-month waiting period (art. 7);
 * - law 21.24 (Dahir 1.24.34 of 24 Jul 2024) waives the wait for former AMO-Tadamon members.
 */

export interface AchamilRules {
  /** Months between the first contribution and the opening of rights (law 60.22 art. 7). */
  waitingMonths: number;
  /** Former AMO-Tadamon members open rights on their first contribution (law 21.24). */
  waiverForFormerTadamon: boolean;
  /** The social register's occupations that count as "no activity", paid or unpaid. */
  noActivityOccupations: string[];
}

export interface AmoRules {
  /** The first day this version applies (ISO date). */
  effectiveFrom: string;
  source: string;
  /** A child is a dependant before this birthday. */
  childAgeLimit: number;
  /** …and before this one when unmarried and enrolled at one of `studentEnrolmentLevels`. */
  studentAgeLimit: number;
  studentEnrolmentLevels: string[];
  /** Null before AMO Achamil existed. */
  achamil: AchamilRules | null;
}

const DEPENDANTS = {
  childAgeLimit: 21,
  studentAgeLimit: 26,
  studentEnrolmentLevels: ["HIGHER"],
};

/*
 * "No activity, paid or unpaid" (law 60.22): the unemployed, students, retired persons and those
 * keeping house. OTHER and CHILD are not an activity either: a child is not a principal anyway.
 * Every occupation in paid or own-account work (employees, self-employed, farmers) is excluded.
 */
const NO_ACTIVITY = ["UNEMPLOYED", "STUDENT", "RETIRED", "HOMEMAKER", "OTHER"];

export const SHIPPED_AMO_RULES: readonly AmoRules[] = [
  {
    effectiveFrom: "2022-12-01",
    source: "Law 65-00 (ANAM, dependants); law 27.22 and the AMO-Tadamon decree published 30 Nov 2022",
    ...DEPENDANTS,
    achamil: null,
  },
  {
    effectiveFrom: "2023-12-15",
    source: "Law 60.22 (Dahir 1.23.41, 25 May 2023) art. 7; decree 2.23.690 (15 Dec 2023)",
    ...DEPENDANTS,
    achamil: { waitingMonths: 3, waiverForFormerTadamon: false, noActivityOccupations: NO_ACTIVITY },
  },
  {
    effectiveFrom: "2024-07-24",
    source: "Law 21.24 (Dahir 1.24.34, 24 Jul 2024): no waiting period for former AMO-Tadamon members",
    ...DEPENDANTS,
    achamil: { waitingMonths: 3, waiverForFormerTadamon: true, noActivityOccupations: NO_ACTIVITY },
  },
];

/** The ISO day (UTC) of a date. */
export function isoDay(on: Date): string {
  return on.toISOString().slice(0, 10);
}

/** A `YYYY-MM-DD` day as a UTC midnight. */
export function dayOf(iso: string): Date {
  return new Date(`${iso}T00:00:00Z`);
}

/** The version in force on a day: the latest effective on or before it (undefined before the first). */
export function rulesOn(rules: readonly AmoRules[], on: Date | string): AmoRules | undefined {
  const day = typeof on === "string" ? on : isoDay(on);
  return [...rules]
    .filter((r) => r.effectiveFrom <= day)
    .sort((a, b) => (a.effectiveFrom < b.effectiveFrom ? -1 : 1))
    .at(-1);
}

/** The version in force on a day, or the first one for days before any (dependant rules predate the register). */
export function rulesFor(rules: readonly AmoRules[], on: Date | string): AmoRules {
  const found = rulesOn(rules, on) ?? [...rules].sort((a, b) => (a.effectiveFrom < b.effectiveFrom ? -1 : 1))[0];
  if (!found) {
    throw new Error("No AMO rules installed");
  }
  return found;
}

/**
 * A day plus whole months, without rolling over into the next month: the day is kept when the
 * target month has it, otherwise it is that month's last day (30 Nov + 3 months = 28 or 29 Feb;
 * 31 May + 3 months = 31 Aug). `Date.UTC` alone would give 2 or 1 March.
 */
export function addMonths(day: Date, months: number): Date {
  const year = day.getUTCFullYear();
  const month = day.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return new Date(Date.UTC(year, month, Math.min(day.getUTCDate(), lastDay)));
}

/** A day plus calendar days. */
export function addDays(day: Date, days: number): Date {
  return new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate() + days));
}
