import type { GraphClient } from "@spx/runtime/clients";
import { dayOf, isoDay, rulesFor } from "../domain/amo-rules.js";
import { dependantDecision, dependantReviewOn } from "../domain/dependants.js";
import { relatives } from "../registers.js";
import type { InsurancePrisma } from "../subgraph.js";
import { relativeFacts } from "./family.js";
import { storedRules } from "./rules-store.js";

/*
 * No event fires on a birthday: a child who turns 21 (26 for a student), or a student whose school
 * year ended, would stay covered for ever. Each child's dependant coverage carries the day its
 * ground can next change by time alone (`review_on`, set whenever dependants are decided); this
 * review asks the registers for the facts of those due (or never dated: covered before the column
 * existed), whatever the regime, and decides each ground again on the day: the coverage ends with
 * the reason, or it is kept with its ground (a child of 21 enrolled in higher education becomes a
 * student) and its next date. Only time is examined here; who belongs to the family is the family
 * events' work. Run with the notices job.
 */

export interface DependantReview {
  reviewed: number;
  ended: number;
}

/** How many coverages one graph call decides. */
const PAGE = 200;
/** A run stops after this many pages; the next run goes on (a backlog never holds the job long). */
const MAX_PAGES = 20;
const DAY_MS = 86_400_000;

const dateOf = (iso: string | null) => (iso ? new Date(`${iso}T00:00:00Z`) : null);

export async function reviewDependants(
  prisma: InsurancePrisma,
  graph: GraphClient,
  now = new Date(),
): Promise<DependantReview> {
  const review: DependantReview = { reviewed: 0, ended: 0 };
  const day = dayOf(isoDay(now));
  const rules = rulesFor(await storedRules(prisma), now);
  let after: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const due = await prisma.coverage.findMany({
      where: {
        role: "DEPENDANT",
        until: null,
        dependantKind: { in: ["CHILD", "KAFALA_CHILD", "STUDENT_CHILD"] },
        OR: [{ reviewOn: null }, { reviewOn: { lte: day } }],
        affiliation: { status: { not: "CLOSED" } },
        ...(after ? { id: { gt: after } } : {}),
      },
      select: { id: true, personIdcs: true, dependantKind: true },
      orderBy: { id: "asc" },
      take: PAGE,
    });
    if (due.length === 0) {
      break;
    }
    after = due.at(-1)?.id;
    // The registers are asked for the whole page at once (in batches of 100, registers.ts).
    const facts = await relatives(
      graph,
      due.map((c) => c.personIdcs),
    );
    for (const coverage of due) {
      const relative = facts.get(coverage.personIdcs);
      review.reviewed++;
      if (!relative) {
        // Unknown to the population register today: asked again tomorrow, nothing decided on a gap.
        await prisma.coverage.updateMany({
          where: { id: coverage.id, until: null },
          data: { reviewOn: new Date(day.getTime() + DAY_MS) },
        });
        continue;
      }
      const person = relativeFacts(relative);
      const ground = dependantDecision(
        { relation: coverage.dependantKind === "KAFALA_CHILD" ? "KAFALA" : "CHILD", person },
        rules,
        now,
      );
      if ("refused" in ground) {
        const ended = await prisma.coverage.updateMany({
          where: { id: coverage.id, until: null },
          data: { until: now, endReason: `No longer a dependant: ${ground.refused}` },
        });
        review.ended += ended.count;
        continue;
      }
      await prisma.coverage.updateMany({
        where: { id: coverage.id, until: null },
        data: { dependantKind: ground.kind, reviewOn: dateOf(dependantReviewOn(person, ground.kind, rules, now)) },
      });
    }
    if (due.length < PAGE) {
      break;
    }
  }
  return review;
}
