import { randomUUID } from "node:crypto";
import { SeededRandom } from "@spx/population/seed/random";
import { isEligible, SHIPPED_THRESHOLDS, type ThresholdRule } from "@spx/social-registry/domain/thresholds";
import { scoredDemoHouseholds } from "@spx/social-registry/seed/demo-households";
import type { Prisma } from "../../generated/prisma/index.js";
import type { InsurancePrisma } from "../db.js";
import { dependantKind } from "../domain/dependants.js";
import { PAYER, type Regime, rightsFrom } from "../domain/regimes.js";

const SEED_LOCK = 72707372;
const TADAMON = SHIPPED_THRESHOLDS.find((t) => t.program === "AMO_TADAMON") as ThresholdRule;

/**
 * Demo affiliations over the demo households: most households under the Tadamon threshold are
 * enrolled in AMO-Tadamon (with the score they were enrolled on); others are covered through the
 * head's work (salaried or self-employed) or, for some without activity, AMO Achamil.
 */
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
        const r = new SeededRandom(Math.imul(household.family.number, 40_503) ^ 0x5eed);
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
          continue;
        }
        const id = randomUUID();
        const openedAt = new Date(now.getTime() - r.int(30, 900) * 86_400_000);
        const opens = rightsFrom(regime, openedAt, { firstPayment: openedAt });
        affiliations.push({
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
        });
        coverages.push({
          id: randomUUID(),
          affiliationId: id,
          personIdcs: household.headIdcs,
          role: "PRINCIPAL",
          since: openedAt,
        });
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
              id: randomUUID(),
              affiliationId: id,
              personIdcs: member.idcs,
              role: "DEPENDANT",
              dependantKind: kind,
              since: openedAt,
            });
          }
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
