import { randomUUID } from "node:crypto";
import { assertRowAllowed } from "@spx/runtime/access";
import { findByUuid, isUniqueViolation, onceInTransaction } from "@spx/runtime/database";
import { DomainError, NotFoundError, ValidationError } from "@spx/runtime/errors";
import { AFFILIATION_ROWS } from "../access.js";
import type { Context } from "../context.js";
import { achamilRightsFrom } from "../domain/achamil.js";
import { isoDay } from "../domain/amo-rules.js";
import { formerTadamonMember } from "./affiliations.js";
import { storedRules } from "./rules-store.js";

export class ContributionRecordedError extends DomainError {
  constructor(month: string) {
    super("CONTRIBUTION_ALREADY_RECORDED", `The contribution for ${month} is already recorded`, { month });
  }
}

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

export interface ContributionInput {
  affiliationId: string;
  month: string;
  paidOn: Date;
  amountCentimes: number;
  idempotencyKey?: string | null;
}

/**
 * Records an AMO Achamil contribution (one per month). The first one opens rights after the waiting
 * period in force on the day it was paid (law 60.22 art. 7), or that day for a former AMO-Tadamon
 * member once law 21.24 applies; until then the affiliation stays PENDING without rights.
 */
export async function recordAchamilContribution(context: Context, input: ContributionInput): Promise<{ id: string }> {
  const problems = [];
  if (!MONTH.test(input.month)) {
    problems.push({ field: "month", message: "a month as YYYY-MM" });
  }
  if (!Number.isInteger(input.amountCentimes) || input.amountCentimes <= 0) {
    problems.push({ field: "amountCentimes", message: "a positive amount in centimes" });
  }
  if (isoDay(input.paidOn) > isoDay(new Date())) {
    problems.push({ field: "paidOn", message: "cannot be in the future" });
  }
  if (problems.length > 0) {
    throw new ValidationError(problems);
  }
  const rules = await storedRules(context.prisma);
  try {
    return await onceInTransaction(
      context.prisma,
      context.caller,
      { key: input.idempotencyKey, operation: "recordAchamilContribution", request: input },
      async (client) => {
        const tx = client as Context["prisma"];
        const affiliation = await findByUuid(input.affiliationId, (id) => tx.affiliation.findUnique({ where: { id } }));
        if (!affiliation) {
          throw new NotFoundError("Affiliation");
        }
        await assertRowAllowed(context, AFFILIATION_ROWS, { region: affiliation.regionCode }, "This affiliation");
        if (affiliation.regime !== "AMO_ACHAMIL") {
          throw new ValidationError([{ field: "affiliationId", message: "is not an AMO Achamil affiliation" }]);
        }
        if (affiliation.status === "CLOSED") {
          throw new ValidationError([{ field: "affiliationId", message: "the affiliation is closed" }]);
        }
        await tx.achamilContribution.create({
          data: {
            id: randomUUID(),
            affiliationId: affiliation.id,
            month: input.month,
            paidOn: new Date(`${isoDay(input.paidOn)}T00:00:00Z`),
            amountCentimes: input.amountCentimes,
          },
        });
        if (affiliation.rightsFrom === null) {
          const opens = achamilRightsFrom(
            rules,
            input.paidOn,
            await formerTadamonMember(tx, affiliation.principalIdcs),
          );
          if ("refused" in opens) {
            throw new ValidationError([{ field: "paidOn", message: opens.refused }]);
          }
          await tx.affiliation.update({
            where: { id: affiliation.id },
            data: {
              rightsFrom: opens.rightsFrom,
              statusReason: opens.waived
                ? "First contribution paid; former AMO-Tadamon member: no waiting period (law 21.24)"
                : "First contribution paid; rights open after the waiting period (law 60.22 art. 7)",
              statusChangedAt: new Date(),
            },
          });
        }
        return { id: affiliation.id };
      },
    );
  } catch (error) {
    if (isUniqueViolation(error, "achamil_contribution_affiliation_id_month_key")) {
      throw new ContributionRecordedError(input.month);
    }
    throw error;
  }
}
