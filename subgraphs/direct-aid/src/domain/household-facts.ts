import { ageOn } from "@spx/runtime/schema";
import type { AidRules, GuardianshipKind, PayeeBasis } from "./aid-rules.js";
import { addMonths } from "./calendar.js";
import type { ChildFacts } from "./entitlement.js";

/** A guardianship, custody or kafala of the population register, as this programme reads it. */
export interface CareFact {
  kind: string;
  guardian: { idcs: string } | null;
  since: string;
  until: string | null;
}

/** A person as the population register tells this programme (civil facts under ANSS's grants). */
export interface AidPerson {
  idcs: string;
  birthDate: string;
  sex: string;
  lifeStatus: string;
  dateOfDeath?: string | null;
  /** The recorded father is deceased (civil:fatherless): never the father himself. */
  fatherless?: boolean | null;
  /** A recognised disability in force (civil:disability-status), never the diagnosis. */
  disabled?: boolean | null;
  /** Rank among all the mother's children, deceased included (civil:filiation). */
  birthRank?: number | null;
  mother?: { idcs: string } | null;
  father?: { idcs: string } | null;
  maritalStatus?: string | null;
  marriages?: { spouse: { idcs: string } | null; since: string; endedOn: string | null }[] | null;
  inCareOf?: CareFact[] | null;
}

/** A member's current schooling or training, as declared in the social register. */
export interface EnrolmentFact {
  level: string;
  schoolYear: string | null;
}

/** What the social and population registers say of a household, as this programme needs it. */
export interface AidHouseholdFacts {
  id: string;
  regionCode: string;
  eligibility: { program: string; eligible: boolean; scoreUsed: string }[];
  /** A revision of the index awaits a decision (a pending notice waits for it). */
  pendingRevision?: boolean | null;
  members: { relationship: string; person: AidPerson }[];
  declaration: {
    members: { idcs: string; occupation: string; enrolment?: EnrolmentFact | null }[];
  } | null;
}

type Member = AidHouseholdFacts["members"][number];

/** The head of household as the social register names it: who registered the household. */
export function headOf(household: AidHouseholdFacts): string | undefined {
  return household.members.find((m) => m.relationship === "HEAD")?.person.idcs;
}

/** Whether the person is a current member of the household. */
export function isMember(household: AidHouseholdFacts, idcs: string | undefined): boolean {
  return idcs !== undefined && household.members.some((m) => m.person.idcs === idcs);
}

function lastDayOf(month: string): Date {
  const [year = 1970, mon = 1] = month.split("-").map(Number);
  return new Date(Date.UTC(year, mon, 0));
}

/**
 * Whether a person still counts for `month`: alive, or dead in a month from which the death has
 * not yet taken effect (with the shipped rule, the month of the death itself still counts).
 */
export function countsIn(person: AidPerson, month: string, rules: Pick<AidRules, "deathEffectAfterMonths">): boolean {
  if (person.lifeStatus === "ALIVE" && !person.dateOfDeath) {
    return true;
  }
  if (!person.dateOfDeath) {
    return false;
  }
  return month < addMonths(person.dateOfDeath.slice(0, 7), rules.deathEffectAfterMonths);
}

/** A person who can be paid now: no death recorded. */
function living(member: Member): boolean {
  return member.person.lifeStatus === "ALIVE" && !member.person.dateOfDeath;
}

function inForce(care: CareFact, day: string): boolean {
  return care.since <= day && (care.until === null || care.until >= day);
}

/** The school year a month falls in ("2026-2027" for 2026-09 … 2027-08 with a September start). */
export function schoolYearOf(month: string, startMonth: number): string {
  const year = Number(month.slice(0, 4));
  const first = Number(month.slice(5, 7)) >= startMonth ? year : year - 1;
  return `${first}-${first + 1}`;
}

function inSchool(
  detail: NonNullable<AidHouseholdFacts["declaration"]>["members"][number] | undefined,
  month: string,
  rules: Pick<AidRules, "inSchoolLevels" | "schoolYearStartMonth">,
): boolean {
  // Current enrolment says "in school", never the level completed (attainment).
  const enrolment = detail?.enrolment;
  if (!enrolment || !rules.inSchoolLevels.includes(enrolment.level)) {
    return false;
  }
  // An enrolment of another school year is stale: it says nothing of this month.
  return !enrolment.schoolYear || enrolment.schoolYear === schoolYearOf(month, rules.schoolYearStartMonth);
}

/** The members whose children are the household's: the head and the head's spouses. */
function parents(household: AidHouseholdFacts): Set<string> {
  return new Set(
    household.members.filter((m) => m.relationship === "HEAD" || m.relationship === "SPOUSE").map((m) => m.person.idcs),
  );
}

/**
 * Members the allowances count as the household's children on `day`: the head's children (by the
 * social register's relationship or by filiation to the head or a spouse), and the children a
 * member holds in custody, kafala or guardianship (orphaned grandchildren in a grandmother's care).
 */
function childMembers(household: AidHouseholdFacts, day: string, rules: Pick<AidRules, "countedWardKinds">): Member[] {
  const parentIds = parents(household);
  const memberIds = new Set(household.members.map((m) => m.person.idcs));
  return household.members.filter((m) => {
    if (m.relationship === "HEAD" || m.relationship === "SPOUSE") {
      return false;
    }
    const p = m.person;
    if (m.relationship === "CHILD") {
      return true;
    }
    if ((p.mother && parentIds.has(p.mother.idcs)) || (p.father && parentIds.has(p.father.idcs))) {
      return true;
    }
    return (p.inCareOf ?? []).some(
      (care) =>
        rules.countedWardKinds.includes(care.kind as GuardianshipKind) &&
        care.guardian !== null &&
        memberIds.has(care.guardian.idcs) &&
        inForce(care, day),
    );
  });
}

/** The household's children as the entitlement rules see them, on the last day of `month`. */
export function childrenOf(
  household: AidHouseholdFacts,
  month: string,
  rules: Pick<AidRules, "countedWardKinds" | "deathEffectAfterMonths" | "inSchoolLevels" | "schoolYearStartMonth">,
): ChildFacts[] {
  const end = lastDayOf(month);
  const day = end.toISOString().slice(0, 10);
  const details = new Map(household.declaration?.members.map((m) => [m.idcs, m]) ?? []);
  return childMembers(household, day, rules)
    .filter((m) => m.person.birthDate <= day && countsIn(m.person, month, rules))
    .map((m) => ({
      idcs: m.person.idcs,
      birthDate: m.person.birthDate,
      age: ageOn(m.person.birthDate, end),
      inSchool: inSchool(details.get(m.person.idcs), month, rules),
      disabled: m.person.disabled === true,
      fatherless: m.person.fatherless === true,
      bornThisMonth: m.person.birthDate.slice(0, 7) === month,
      birthRank: m.person.birthRank ?? null,
    }));
}

export interface Payee {
  idcs: string;
  basis: PayeeBasis;
}

/** Whether a member is in a marriage not ended with another living member of the household. */
function husbandOfHousehold(member: Member, household: AidHouseholdFacts): boolean {
  if (member.person.sex !== "MALE" || !(member.relationship === "HEAD" || member.relationship === "SPOUSE")) {
    return false;
  }
  const livingIds = new Set(household.members.filter(living).map((m) => m.person.idcs));
  const marriages = member.person.marriages;
  if (marriages === undefined || marriages === null || (marriages.length === 0 && !member.person.maritalStatus)) {
    // No civil status known for him: the couple the social register declares (head and spouse).
    const partner = member.relationship === "HEAD" ? "SPOUSE" : "HEAD";
    return household.members.some((m) => m.relationship === partner && living(m) && m.person.sex === "FEMALE");
  }
  return marriages.some((m) => m.endedOn === null && m.spouse !== null && livingIds.has(m.spouse.idcs));
}

/**
 * Who is paid, in the decree's order (aid_rule `payeeOrder`): the husband, then the mother of the
 * children counted, then who holds them in custody, kafala or guardianship; when no child is
 * counted (the flat allowance), or none of those is a living member, the head who registered the
 * household. Several candidates of one kind (two wives): the one with the most children counted,
 * the head or the eldest first. Null when nobody living can be paid.
 */
export function payeeOf(
  household: AidHouseholdFacts,
  children: readonly ChildFacts[],
  rules: Pick<AidRules, "payeeOrder">,
  day: string,
): Payee | null {
  const members = household.members.filter(living);
  const childIds = new Set(children.map((c) => c.idcs));
  const kids = household.members.filter((m) => childIds.has(m.person.idcs)).map((m) => m.person);
  const pick = (candidates: Member[], weight: (m: Member) => number): Member | undefined =>
    [...candidates].sort(
      (a, b) =>
        weight(b) - weight(a) ||
        Number(b.relationship === "HEAD") - Number(a.relationship === "HEAD") ||
        (a.person.birthDate < b.person.birthDate ? -1 : 1),
    )[0];
  if (kids.length > 0) {
    for (const basis of rules.payeeOrder) {
      let found: Member | undefined;
      if (basis === "HUSBAND") {
        found = pick(
          members.filter((m) => husbandOfHousehold(m, household)),
          () => 0,
        );
      } else if (basis === "MOTHER") {
        const mothered = (m: Member) => kids.filter((k) => k.mother?.idcs === m.person.idcs).length;
        found = pick(
          members.filter((m) => mothered(m) > 0),
          mothered,
        );
      } else if (basis !== "HEAD") {
        const wards = (m: Member) =>
          kids.filter((k) =>
            (k.inCareOf ?? []).some((c) => c.kind === basis && c.guardian?.idcs === m.person.idcs && inForce(c, day)),
          ).length;
        found = pick(
          members.filter((m) => wards(m) > 0),
          wards,
        );
      }
      if (found) {
        return { idcs: found.person.idcs, basis };
      }
    }
  }
  const head = members.find((m) => m.relationship === "HEAD");
  if (head) {
    return { idcs: head.person.idcs, basis: "HEAD" };
  }
  // The head has died: the eldest living adult member registered with them takes the allowance.
  const adult = pick(
    members.filter((m) => ageOn(m.person.birthDate, new Date(`${day}T00:00:00Z`)) >= 18),
    () => 0,
  );
  return adult ? { idcs: adult.person.idcs, basis: "HEAD" } : null;
}

/** Whether anyone of the household still counts for `month` (else the enrolment has ended). */
export function anyoneCounts(
  household: AidHouseholdFacts,
  month: string,
  rules: Pick<AidRules, "deathEffectAfterMonths">,
): boolean {
  return household.members.some((m) => countsIn(m.person, month, rules));
}

/**
 * Law 58-23: no direct aid with another family allowance, nor when a member is paid by the State
 * or draws a pension. Returns the reasons for refusal (empty when none applies).
 */
export function exclusions(household: AidHouseholdFacts, otherFamilyAllowance: boolean): string[] {
  const reasons: string[] = [];
  const decision = household.eligibility.find((e) => e.program === "DIRECT_AID");
  if (!decision) {
    reasons.push("The household has no socio-economic index yet");
  } else if (!decision.eligible) {
    reasons.push(`The household's index ${decision.scoreUsed} is above the direct aid threshold 9.743001`);
  }
  if (otherFamilyAllowance) {
    reasons.push("The household receives another family allowance");
  }
  const occupations = household.declaration?.members.map((m) => m.occupation) ?? [];
  if (occupations.includes("PUBLIC_EMPLOYEE")) {
    reasons.push("A member is paid by the State");
  }
  if (occupations.includes("RETIRED")) {
    reasons.push("A member draws a pension");
  }
  return reasons;
}
