import { SeededRandom } from "@spx/reference/random";
import { isEligible, SHIPPED_THRESHOLDS, type ThresholdRule } from "@spx/reference/thresholds";
import { demoRowId, type ScoredDemoHousehold, scoredDemoHouseholds } from "@spx/social-registry/seed/demo-households";
import type { Prisma } from "../../generated/prisma/index.js";
import { addMonths, rulesFor, SHIPPED_AMO_RULES } from "../domain/amo-rules.js";
import {
  type DependantCandidate,
  dependantDecision,
  dependantReviewOn,
  type RelativeFacts,
} from "../domain/dependants.js";
import { PAYER, type Regime, rightsFrom } from "../domain/regimes.js";
import type { InsurancePrisma } from "../subgraph.js";

const SEED_LOCK = 72707372;

const isoDate = (day: string | null) => (day ? new Date(`${day}T00:00:00Z`) : null);
const TADAMON = SHIPPED_THRESHOLDS.find((t) => t.program === "AMO_TADAMON") as ThresholdRule;

// Row id kinds in the generated data (see demoRowId): one affiliation per household, its coverages.
const AFFILIATION = 0x10;
const COVERAGE = 0x11;
const CONTRIBUTION = 0x12;

export interface InsuranceRows {
  affiliation: Prisma.AffiliationCreateManyInput;
  coverages: Prisma.CoverageCreateManyInput[];
  /** AMO Achamil: the first contribution, paid the day of affiliation (rights three months later). */
  contributions: Prisma.AchamilContributionCreateManyInput[];
}

/**
 * The AMO record of one generated household, or null when it has none: most households under the
 * Tadamon threshold are enrolled in AMO-Tadamon (with the score they were enrolled on); others are
 * covered through the head's work (salaried or self-employed) or, for some without activity, AMO
 * Achamil. Used by the demo seed and the national generator alike.
 */
export function insuranceRows(household: ScoredDemoHousehold, now: Date): InsuranceRows | null {
  const n = household.family.number;
  const r = new SeededRandom(Math.imul(n, 40_503) ^ 0x5eed);
  const head = household.declaration.members.find((m) => m.idcs === household.headIdcs);
  let regime: Regime | null = null;
  if (isEligible(household.score, TADAMON)) {
    regime = r.chance(0.9) ? "AMO_TADAMON" : null;
  } else if (head?.occupation === "PUBLIC_EMPLOYEE" || head?.occupation === "PRIVATE_EMPLOYEE") {
    regime = "AMO_SALARIED";
  } else if (head?.occupation === "SELF_EMPLOYED" || head?.occupation === "FARMER") {
    regime = "AMO_TNS";
  } else if (
    r.chance(0.5) &&
    rulesFor(SHIPPED_AMO_RULES, now).achamil?.noActivityOccupations.includes(head?.occupation ?? "")
  ) {
    // AMO Achamil: persons with no activity only (law 60.22).
    regime = "AMO_ACHAMIL";
  }
  if (!regime) {
    return null;
  }
  const id = demoRowId(AFFILIATION, n);
  const openedAt = new Date(now.getTime() - r.int(30, 900) * 86_400_000);
  const waiting = rulesFor(SHIPPED_AMO_RULES, openedAt).achamil?.waitingMonths ?? 3;
  const opens = regime === "AMO_ACHAMIL" ? addMonths(rightsFrom(openedAt), waiting) : rightsFrom(openedAt);
  const coverages: Prisma.CoverageCreateManyInput[] = [
    {
      id: demoRowId(COVERAGE, n, 0),
      affiliationId: id,
      personIdcs: household.headIdcs,
      role: "PRINCIPAL",
      dependantKind: null,
      since: openedAt,
      reviewOn: null,
    },
  ];
  const rules = rulesFor(SHIPPED_AMO_RULES, now);
  for (const candidate of demoCandidates(household, now)) {
    const decision = dependantDecision(candidate, rules, now);
    if ("kind" in decision) {
      coverages.push({
        id: demoRowId(COVERAGE, n, coverages.length),
        affiliationId: id,
        personIdcs: candidate.person.idcs,
        role: "DEPENDANT",
        dependantKind: decision.kind,
        since: openedAt,
        reviewOn: isoDate(dependantReviewOn(candidate.person, decision.kind, rules, now)),
      });
    }
  }
  return {
    affiliation: {
      id,
      principalIdcs: household.headIdcs,
      regime,
      payer: PAYER[regime],
      status: opens.getTime() > now.getTime() ? "PENDING" : "ACTIVE",
      regionCode: household.regionCode,
      householdId: regime === "AMO_TADAMON" ? household.id : null,
      scoreUsed: regime === "AMO_TADAMON" ? household.score : null,
      modelVersionUsed: regime === "AMO_TADAMON" ? household.modelVersion : null,
      openedAt,
      rightsFrom: opens,
    },
    coverages,
    contributions:
      regime === "AMO_ACHAMIL"
        ? [
            {
              id: demoRowId(CONTRIBUTION, n),
              affiliationId: id,
              month: openedAt.toISOString().slice(0, 7),
              paidOn: rightsFrom(openedAt),
              // The lowest band of the community schedule (domain.md A3, UNCONFIRMED): demo data only.
              amountCentimes: 14_400,
            },
          ]
        : [],
  };
}

/** The demo family's civil status as the population register's demo draws it (when it does). */
interface DemoCivil {
  marriages: { husbandIdcs: string; wifeIdcs: string; endedOn: Date | null }[];
  filiations: { childIdcs: string; motherIdcs: string | null; fatherIdcs: string | null }[];
  disabilities: { idcs: string; reviewOn: Date | null }[];
  guardianships: { kind: string; childIdcs: string; guardianIdcs: string; until: Date | null }[];
  newMembers: { person: { idcs: string; birthDate: Date; lifeStatus: string } }[];
  relatives: { idcs: string; birthDate: Date; lifeStatus: string }[];
}

/**
 * The head's relatives who may be dependants, with the facts the rules read: from the demo's civil
 * status (spouses in force, children by filiation, kafala wards, disabilities, marriages of the
 * children) and the declaration's enrolment. A demo without civil status falls back to the
 * household's SPOUSE and CHILD members, unmarried and not disabled. The parent rule is applied
 * within the household only: the demo's other parents (an ex-husband elsewhere) are not insured.
 */
function demoCandidates(household: ScoredDemoHousehold, now: Date): DependantCandidate[] {
  const head = household.headIdcs;
  const civil: DemoCivil | undefined = household.family.civil;
  const inForce = (until: Date | null) => until === null || until.getTime() > now.getTime();
  const enrolment = new Map(
    household.declaration.members.map((m) => [
      m.idcs,
      m.enrolment ? { level: m.enrolment.level, schoolYear: m.enrolment.schoolYear ?? null } : null,
    ]),
  );
  const persons = new Map<string, { birthDate: Date; alive: boolean }>();
  for (const m of household.members) {
    persons.set(m.idcs, { birthDate: m.birthDate, alive: true });
  }
  for (const p of [...(civil?.relatives ?? []), ...(civil?.newMembers.map((m) => m.person) ?? [])]) {
    persons.set(p.idcs, { birthDate: p.birthDate, alive: p.lifeStatus === "ALIVE" });
  }
  const married = new Set(
    (civil?.marriages ?? []).filter((m) => inForce(m.endedOn)).flatMap((m) => [m.husbandIdcs, m.wifeIdcs]),
  );
  const disabled = new Set((civil?.disabilities ?? []).filter((d) => inForce(d.reviewOn)).map((d) => d.idcs));
  const facts = (idcs: string): RelativeFacts | null => {
    const person = persons.get(idcs);
    return person
      ? {
          idcs,
          birthDate: person.birthDate.toISOString().slice(0, 10),
          alive: person.alive,
          married: married.has(idcs),
          disabled: disabled.has(idcs),
          enrolment: enrolment.get(idcs) ?? null,
        }
      : null;
  };
  const candidates: DependantCandidate[] = [];
  const seen = new Set([head]);
  const add = (idcs: string, relation: "SPOUSE" | "CHILD" | "KAFALA") => {
    const person = facts(idcs);
    if (person && !seen.has(idcs)) {
      seen.add(idcs);
      candidates.push(relation === "SPOUSE" ? { relation, person, insuredElsewhere: false } : { relation, person });
    }
  };
  if (!civil) {
    for (const m of household.members) {
      if (m.relationship === "SPOUSE" || m.relationship === "CHILD") {
        add(m.idcs, m.relationship);
      }
    }
    return candidates;
  }
  for (const m of civil.marriages.filter((m) => inForce(m.endedOn))) {
    if (m.husbandIdcs === head) {
      add(m.wifeIdcs, "SPOUSE");
    } else if (m.wifeIdcs === head) {
      add(m.husbandIdcs, "SPOUSE");
    }
  }
  for (const f of civil.filiations) {
    // Both parents in the household: the father's affiliation (he is the head, or he is not insured).
    if (f.motherIdcs === head || f.fatherIdcs === head) {
      add(f.childIdcs, "CHILD");
    }
  }
  for (const g of civil.guardianships) {
    if (g.kind === "KAFALA" && g.guardianIdcs === head && inForce(g.until)) {
      add(g.childIdcs, "KAFALA");
    }
  }
  return candidates;
}

/** Loads the demo affiliations (see insuranceRows) into an empty register, in one transaction. */
export async function seedDemoIfEmpty(prisma: InsurancePrisma, options: { persons?: number } = {}): Promise<number> {
  return prisma.$transaction(
    async (tx) => {
      await tx.$executeRawUnsafe("SELECT pg_advisory_xact_lock($1)", SEED_LOCK);
      if ((await tx.affiliation.findFirst({ select: { id: true } })) !== null) {
        return 0;
      }
      const now = new Date();
      const affiliations: Prisma.AffiliationCreateManyInput[] = [];
      const coverages: Prisma.CoverageCreateManyInput[] = [];
      const contributions: Prisma.AchamilContributionCreateManyInput[] = [];
      for (const household of scoredDemoHouseholds({ ...options, today: now })) {
        const rows = insuranceRows(household, now);
        if (rows) {
          affiliations.push(rows.affiliation);
          coverages.push(...rows.coverages);
          contributions.push(...rows.contributions);
        }
      }
      for (let i = 0; i < affiliations.length; i += 500) {
        await tx.affiliation.createMany({ data: affiliations.slice(i, i + 500) });
      }
      for (let i = 0; i < coverages.length; i += 500) {
        await tx.coverage.createMany({ data: coverages.slice(i, i + 500) });
      }
      for (let i = 0; i < contributions.length; i += 500) {
        await tx.achamilContribution.createMany({ data: contributions.slice(i, i + 500) });
      }
      return affiliations.length;
    },
    { timeout: 120_000, maxWait: 30_000 },
  );
}
