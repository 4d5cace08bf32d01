import type { GraphClient } from "@spx/runtime/clients";
import { type AmoRules, isoDay } from "../domain/amo-rules.js";
import {
  coveringParent,
  type DependantCandidate,
  type DependantKind,
  dependantDecision,
  dependantReviewOn,
  type ParentFacts,
  parentRuleRefusal,
  type RelativeFacts,
} from "../domain/dependants.js";
import { families, type Guardianship, type Relative, relatives } from "../registers.js";
import type { InsurancePrisma } from "../subgraph.js";

/*
 * A principal's dependants from the registers' facts: spouses in force, children by filiation and
 * kafala wards from the population register, enrolment from the social register's declaration,
 * and, from this register, who is insured (principal of an open affiliation) for the spouse and
 * father's-affiliation rules. The graph is asked before any transaction opens.
 */

export interface Entitled {
  idcs: string;
  kind: DependantKind;
  /** The parent rule names this principal (both parents insured, or custody): the child moves here. */
  claimedByParentRule: boolean;
  /** When the dependants review re-examines this ground (`dependantReviewOn`), if ever. */
  reviewOn: string | null;
}

export interface FamilyDecision {
  principal: string;
  entitled: Entitled[];
  refused: {
    idcs: string;
    reason: string;
    movesTo?: { parent: string; kind: DependantKind; reviewOn: string | null };
  }[];
  /** The principal's own facts (occupation and household for AMO Achamil). */
  self: Relative | undefined;
}

const inForce = (since: string, until: string | null, day: string) => since <= day && (until === null || until > day);

/** The kind of guardianship in force over a child held by someone, from the child's side. */
function custodianOf(inCareOf: readonly Guardianship[] | null, day: string): string | null {
  return inCareOf?.find((g) => g.kind === "CUSTODY" && inForce(g.since, g.until, day))?.guardian?.idcs ?? null;
}

/** What the dependant rules read of a relative. */
export function relativeFacts(relative: Relative): RelativeFacts {
  const declared = relative.household?.declaration?.members.find((m) => m.idcs === relative.idcs);
  return {
    idcs: relative.idcs,
    birthDate: relative.birthDate,
    alive: relative.lifeStatus === "ALIVE",
    married: relative.maritalStatus === "MARRIED",
    disabled: relative.disabled === true,
    enrolment: declared?.enrolment ?? null,
  };
}

/** The principals of open affiliations among these persons. */
export async function insuredAmong(prisma: InsurancePrisma, idcs: readonly string[]): Promise<Set<string>> {
  if (idcs.length === 0) {
    return new Set();
  }
  const rows = await prisma.affiliation.findMany({
    where: { principalIdcs: { in: [...new Set(idcs)] }, status: { not: "CLOSED" } },
    select: { principalIdcs: true },
  });
  return new Set(rows.map((r) => r.principalIdcs));
}

/** Each principal's dependants on `day`, and why each other relative is not one. */
export async function familyDependants(
  prisma: InsurancePrisma,
  graph: GraphClient,
  principals: readonly string[],
  rules: AmoRules,
  now: Date,
): Promise<Map<string, FamilyDecision>> {
  const day = isoDay(now);
  const familyOf = await families(graph, principals);
  const candidates = new Map<string, { idcs: string; relation: DependantCandidate["relation"] }[]>();
  for (const principal of principals) {
    const family = familyOf.get(principal);
    const seen = new Set<string>([principal]);
    const list: { idcs: string; relation: DependantCandidate["relation"] }[] = [];
    const add = (idcs: string | undefined, relation: DependantCandidate["relation"]) => {
      if (idcs && !seen.has(idcs)) {
        seen.add(idcs);
        list.push({ idcs, relation });
      }
    };
    for (const m of family?.marriages ?? []) {
      if (m.endedOn === null || m.endedOn > day) {
        add(m.spouse?.idcs, "SPOUSE");
      }
    }
    for (const c of family?.children ?? []) {
      add(c.idcs, "CHILD");
    }
    for (const w of family?.wards ?? []) {
      if (w.kind === "KAFALA" && inForce(w.since, w.until, day)) {
        add(w.child?.idcs, "KAFALA");
      }
    }
    candidates.set(principal, list);
  }
  const everyone = [...principals, ...[...candidates.values()].flat().map((c) => c.idcs)];
  const facts = await relatives(graph, everyone);
  const parents = [...facts.values()].flatMap((r) => [r.mother?.idcs, r.father?.idcs]).filter((x) => x !== undefined);
  const insured = await insuredAmong(prisma, [...parents, ...everyone]);

  const result = new Map<string, FamilyDecision>();
  for (const principal of principals) {
    const decision: FamilyDecision = { principal, entitled: [], refused: [], self: facts.get(principal) };
    const divorcedFrom = new Set(
      (familyOf.get(principal)?.marriages ?? [])
        .filter((m) => m.endReason === "DIVORCE")
        .flatMap((m) => (m.spouse ? [m.spouse.idcs] : [])),
    );
    for (const candidate of candidates.get(principal) ?? []) {
      const relative = facts.get(candidate.idcs);
      if (!relative) {
        decision.refused.push({ idcs: candidate.idcs, reason: "not in the population register" });
        continue;
      }
      const person = relativeFacts(relative);
      const ground = dependantDecision(
        candidate.relation === "SPOUSE"
          ? { relation: "SPOUSE", person, insuredElsewhere: insured.has(candidate.idcs) }
          : { relation: candidate.relation, person },
        rules,
        now,
      );
      if ("refused" in ground) {
        decision.refused.push({ idcs: candidate.idcs, reason: ground.refused });
        continue;
      }
      const reviewOn = dependantReviewOn(person, ground.kind, rules, now);
      let claimedByParentRule = false;
      if (candidate.relation === "CHILD") {
        const mother = relative.mother?.idcs ?? null;
        const father = relative.father?.idcs ?? null;
        const other = mother === principal ? father : mother;
        const parentFacts: ParentFacts = {
          motherIdcs: mother,
          fatherIdcs: father,
          insured: new Set([...insured, principal]),
          divorced: other !== null && divorcedFrom.has(other),
          custodian: custodianOf(relative.inCareOf, day),
        };
        const refusal = parentRuleRefusal(principal, parentFacts);
        const parent = coveringParent(parentFacts);
        if (refusal && parent) {
          decision.refused.push({
            idcs: candidate.idcs,
            reason: refusal,
            movesTo: { parent, kind: ground.kind, reviewOn },
          });
          continue;
        }
        // Named by the rule over the other parent: a coverage through that parent moves here.
        claimedByParentRule = mother !== null && father !== null && parent === principal;
      }
      decision.entitled.push({ idcs: candidate.idcs, kind: ground.kind, claimedByParentRule, reviewOn });
    }
    result.set(principal, decision);
  }
  return result;
}

/** The occupation the principal declared in the social register, if any. */
export function declaredOccupation(self: Relative | undefined): string | null {
  return self?.household?.declaration?.members.find((m) => m.idcs === self.idcs)?.occupation ?? null;
}
