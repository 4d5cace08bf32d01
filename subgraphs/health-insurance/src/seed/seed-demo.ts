import { SeededRandom } from "@spx/reference/random";
import { isEligible, SHIPPED_THRESHOLDS, type ThresholdRule } from "@spx/reference/thresholds";
import { demoRowId, type ScoredDemoHousehold, scoredDemoHouseholds } from "@spx/social-registry/seed/demo-households";
import type { Prisma } from "../../generated/prisma/index.js";
import { dependantKind } from "../domain/dependants.js";
import { PAYER, type Regime, rightsFrom } from "../domain/regimes.js";
import type { InsurancePrisma } from "../subgraph.js";

const SEED_LOCK = 72707372;
const TADAMON = SHIPPED_THRESHOLDS.find((t) => t.program === "AMO_TADAMON") as ThresholdRule;

// Row id kinds in the generated data (see demoRowId): one affiliation per household, its coverages.
const AFFILIATION = 0x10;
const COVERAGE = 0x11;

export interface InsuranceRows {
  affiliation: Prisma.AffiliationCreateManyInput;
  coverages: Prisma.CoverageCreateManyInput[];
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
  } else if (r.chance(0.5)) {
    regime = "AMO_ACHAMIL";
  }
  if (!regime) {
    return null;
  }
  const id = demoRowId(AFFILIATION, n);
  const openedAt = new Date(now.getTime() - r.int(30, 900) * 86_400_000);
  const opens = rightsFrom(regime, openedAt, { firstPayment: openedAt });
  const coverages: Prisma.CoverageCreateManyInput[] = [
    {
      id: demoRowId(COVERAGE, n, 0),
      affiliationId: id,
      personIdcs: household.headIdcs,
      role: "PRINCIPAL",
      dependantKind: null,
      since: openedAt,
    },
  ];
  const schooling = new Map(household.declaration.members.map((m) => [m.idcs, m.schooling]));
  for (const member of household.members) {
    if (member.relationship !== "SPOUSE" && member.relationship !== "CHILD") {
      continue;
    }
    const kind = dependantKind({
      relation: member.relationship,
      age: household.ages.get(member.idcs) ?? 99,
      unmarried: true,
      inHigherEducation: schooling.get(member.idcs) === "HIGHER",
      disabled: false,
    });
    if (kind) {
      coverages.push({
        id: demoRowId(COVERAGE, n, coverages.length),
        affiliationId: id,
        personIdcs: member.idcs,
        role: "DEPENDANT",
        dependantKind: kind,
        since: openedAt,
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
  };
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
      for (const household of scoredDemoHouseholds({ ...options, today: now })) {
        const rows = insuranceRows(household, now);
        if (rows) {
          affiliations.push(rows.affiliation);
          coverages.push(...rows.coverages);
        }
      }
      for (let i = 0; i < affiliations.length; i += 500) {
        await tx.affiliation.createMany({ data: affiliations.slice(i, i + 500) });
      }
      for (let i = 0; i < coverages.length; i += 500) {
        await tx.coverage.createMany({ data: coverages.slice(i, i + 500) });
      }
      return affiliations.length;
    },
    { timeout: 120_000, maxWait: 30_000 },
  );
}
