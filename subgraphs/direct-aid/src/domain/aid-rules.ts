/*
 * The programme's rules and settings beyond the amounts (which are by year, in entitlement_schedule):
 * data with the date each takes effect, in table aid_rule, seeded from the shipped values below
 * (inserted when missing, never overwritten: an operator's row stands). A new value is a new row
 * with a later `effectiveFrom`; the value in force on a day is the latest row on or before it.
 * Sources: shared/notes/domain.md A5 unless said otherwise.
 */

/** Who may be paid the child allowances, in the decree's order (decree 2.23.1067, as reported). */
export type PayeeBasis = "HUSBAND" | "MOTHER" | "CUSTODY" | "KAFALA" | "LEGAL_GUARDIANSHIP" | "HEAD";
export const PAYEE_BASES = ["HUSBAND", "MOTHER", "CUSTODY", "KAFALA", "LEGAL_GUARDIANSHIP", "HEAD"] as const;

export type GuardianshipKind = "CUSTODY" | "KAFALA" | "LEGAL_GUARDIANSHIP";

export interface AidRules {
  /** Calendar days to appeal a refusal, to the end of the last day (government spokesman, A5). */
  appealPeriodDays: number;
  /** Calendar days the agency has to answer an appeal, from its filing (A5). */
  appealAnswerDays: number;
  /** The time zone the days above are counted in. */
  timeZone: string;
  /** Days between a notice of an adverse decision and its effect (issue 19 item 5; a setting). */
  noticePeriodDays: number;
  /** Enrolment levels that make a child aged 6–20 "in school" (training included: a choice). */
  inSchoolLevels: string[];
  /** The month a school year starts ("2026-2027" runs from September 2026 to August 2027). */
  schoolYearStartMonth: number;
  /** Child allowances' payee order; the head (who registered the household) when none applies. */
  payeeOrder: PayeeBasis[];
  /** Children a member holds in these kinds of care are counted as the household's children. */
  countedWardKinds: GuardianshipKind[];
  /** A disabled fatherless child is counted whatever their age (widows' decree continued under ASD). */
  disabledOrphanWithoutAgeLimit: boolean;
  /** From this age a fatherless child is paid the orphan amount only while in school or training. */
  orphanSchoolingFromAge: number;
  /** Months after the month of a death from which the person is no longer counted or paid. */
  deathEffectAfterMonths: number;
  /** How often the register applies the notices that fell due (seconds; read at start-up). */
  noticeJobIntervalSeconds: number;
}

export type AidRuleName = keyof AidRules;

export interface AidRuleRow<Name extends AidRuleName = AidRuleName> {
  name: Name;
  effectiveFrom: string;
  value: AidRules[Name];
  source: string;
}

/** ASD opened on 2 December 2023 (asd.ma); its rules are in force from then unless said otherwise. */
const ASD_START = "2023-12-02";

export const SHIPPED_AID_RULES: readonly AidRuleRow[] = [
  {
    name: "appealPeriodDays",
    effectiveFrom: ASD_START,
    value: 15,
    source: "Government spokesman (perspectivesmed.com): appeal within 15 days on the platform",
  },
  {
    name: "appealAnswerDays",
    effectiveFrom: ASD_START,
    value: 30,
    source: "Government spokesman (perspectivesmed.com): the agency answers within 30 days",
  },
  {
    name: "timeZone",
    effectiveFrom: ASD_START,
    value: "Africa/Casablanca",
    source: "Days are counted in Morocco's legal time",
  },
  {
    name: "noticePeriodDays",
    effectiveFrom: ASD_START,
    value: 30,
    source: "Programme setting (issue 19): notice before a suspension",
  },
  {
    name: "inSchoolLevels",
    effectiveFrom: ASD_START,
    value: [
      "PRESCHOOL",
      "PRIMARY",
      "LOWER_SECONDARY",
      "UPPER_SECONDARY",
      "HIGHER",
      "VOCATIONAL_TRAINING",
      "APPRENTICESHIP",
    ],
    source: "Choice: ANSS pays 'in school' amounts; the orphan rule says 'studying or training', so training counts",
  },
  {
    name: "schoolYearStartMonth",
    effectiveFrom: ASD_START,
    value: 9,
    source: "Moroccan school year: September to the following summer",
  },
  {
    name: "payeeOrder",
    effectiveFrom: ASD_START,
    value: ["HUSBAND", "MOTHER", "CUSTODY", "KAFALA", "LEGAL_GUARDIANSHIP"],
    source: "Decree 2.23.1067 (allafrica.com, 1 Dec 2023): husband, then mother, custodian, kafala holder, guardian",
  },
  {
    name: "countedWardKinds",
    effectiveFrom: ASD_START,
    value: ["CUSTODY", "KAFALA", "LEGAL_GUARDIANSHIP"],
    source: "Decree 2.23.1067: the custodian, kafala holder and guardian are heads of family for the child",
  },
  {
    name: "disabledOrphanWithoutAgeLimit",
    effectiveFrom: ASD_START,
    value: true,
    source: "Widows' programme decree continued under ASD (laquotidienne.ma; ledesk.ma)",
  },
  {
    name: "orphanSchoolingFromAge",
    effectiveFrom: ASD_START,
    value: 6,
    source: "Widows' programme: 350 MAD a child 'up to 21 if studying or training' (laquotidienne.ma)",
  },
  {
    name: "deathEffectAfterMonths",
    effectiveFrom: ASD_START,
    value: 1,
    source: "Issue 19: a death stops direct aid from the next month",
  },
  {
    name: "noticeJobIntervalSeconds",
    effectiveFrom: ASD_START,
    value: 60,
    source: "Register setting: due notices are applied every minute",
  },
];

/** The rules in force on `day` (YYYY-MM-DD): for each name, the latest row on or before it. */
export function aidRulesOn(rows: readonly AidRuleRow[], day: string): AidRules {
  const latest = new Map<AidRuleName, AidRuleRow>();
  for (const row of [...rows, ...SHIPPED_AID_RULES]) {
    if (row.effectiveFrom > day) {
      continue;
    }
    const known = latest.get(row.name);
    // A stored row wins over the shipped one of the same date (rows come first).
    if (!known || row.effectiveFrom > known.effectiveFrom) {
      latest.set(row.name, row);
    }
  }
  const rules: Partial<Record<AidRuleName, unknown>> = {};
  for (const shipped of SHIPPED_AID_RULES) {
    // Before the programme's start the first shipped value applies (payments never run then).
    rules[shipped.name] = (latest.get(shipped.name) ?? shipped).value;
  }
  return rules as AidRules;
}

/** The rules in force on the first day of a month (YYYY-MM). */
export function aidRulesOfMonth(rows: readonly AidRuleRow[], month: string): AidRules {
  return aidRulesOn(rows, `${month}-01`);
}
