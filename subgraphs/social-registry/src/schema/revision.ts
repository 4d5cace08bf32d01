import { randomUUID } from "node:crypto";
import { assertRowAllowed, listRestriction, needs, type RowFacts, rowPolicy } from "@spx/runtime/access";
import { findByUuid, idempotencyScope, once } from "@spx/runtime/database";
import { NotFoundError, ValidationError } from "@spx/runtime/errors";
import type { Prisma, RevisionRequest as RevisionRequestRow } from "../../generated/prisma/index.js";
import {
  assertHouseholdAllowed,
  HOUSEHOLD_ROWS,
  householdFacts,
  householdPersons,
  requireHousehold,
} from "../access.js";
import type { Context } from "../context.js";
import { AlreadyResolvedError } from "../errors.js";
import { type PreparedDeclaration, prepareDeclaration, writeDeclaration } from "../services/declarations.js";
import { REVISION_DECIDED, REVISION_REQUESTED, recordRevision } from "../services/outbox-events.js";
import { builder } from "./builder.js";
import { LivingConditionsInput } from "./declaration.js";
import { Household } from "./household.js";

/** Décret 2-21-582 provides for revision requests; this register answers within 30 days. */
export const REVISION_DEADLINE_DAYS = 30;

const RevisionStatusEnum = builder.enumType("RevisionStatus", { values: ["OPEN", "ACCEPTED", "REJECTED"] as const });
const RevisionOutcomeEnum = builder.enumType("RevisionOutcome", { values: ["ACCEPTED", "REJECTED"] as const });

/** A request is the household's: read in its region, by its members, or nationwide. */
function requestFacts(request: { householdId: string; regionCode: string }, context: Context): RowFacts {
  return householdFacts({ id: request.householdId, regionCode: request.regionCode }, context);
}

const RevisionRequest = builder.prismaObject("RevisionRequest", {
  name: "IndexRevisionRequest",
  description: "A household contesting its index; assigned to the household's region",
  ...rowPolicy<RevisionRequestRow, Context>([...HOUSEHOLD_ROWS], requestFacts, (request, context) =>
    householdPersons({ id: request.householdId }, context),
  ),
  fields: (t) => ({
    id: t.exposeID("id", needs("social:revision")),
    householdId: t.exposeID("householdId", needs("social:revision")),
    regionCode: t.exposeString("regionCode", needs("social:revision")),
    reason: t.exposeString("reason", needs("social:revision")),
    requestedAt: t.expose("requestedAt", { type: "DateTime", ...needs("social:revision") }),
    dueAt: t.expose("dueAt", { type: "DateTime", ...needs("social:revision") }),
    status: t.expose("status", { type: RevisionStatusEnum, ...needs("social:revision") }),
    outcomeNote: t.exposeString("outcomeNote", needs("social:revision")),
    resolvedAt: t.expose("resolvedAt", { type: "DateTime", ...needs("social:revision") }),
    overdue: t.boolean({
      ...needs("social:revision"),
      resolve: (r) => r.status === "OPEN" && r.dueAt.getTime() < Date.now(),
    }),
  }),
});

builder.prismaObjectField(Household, "pendingRevision", (t) =>
  t.boolean({
    ...needs("social:eligibility"),
    description:
      "Whether a revision request of the household's index awaits a decision: a programme holds an adverse decision meanwhile",
    resolve: async (household, _args, context) => (await context.loaders.openRevision.load(household.id)) !== null,
  }),
);

builder.mutationFields((t) => ({
  requestIndexRevision: t.prismaField({
    type: "RevisionRequest",
    ...needs("social:request-revision", "social:register"),
    description: `A household contests its index; an answer is due within ${REVISION_DEADLINE_DAYS} days.`,
    args: {
      householdId: t.arg.id({ required: true }),
      reason: t.arg.string({ required: true }),
      idempotencyKey: t.arg.string({ required: false }),
    },
    resolve: async (query, _root, args, context) => {
      const household = await requireHousehold(context, args.householdId);
      // A member of the household, a case worker of its region, or the register.
      await assertHouseholdAllowed(context, household);
      const reason = args.reason.trim();
      if (reason.length < 10 || reason.length > 2000) {
        throw new ValidationError([{ field: "reason", message: "must be 10 to 2000 characters" }]);
      }
      const { id } = await context.prisma.$transaction((tx) =>
        once(
          tx,
          {
            scope: idempotencyScope(context.caller),
            key: args.idempotencyKey,
            operation: "requestIndexRevision",
            request: args,
          },
          async () => {
            const requestedAt = new Date();
            const created = await tx.revisionRequest.create({
              data: {
                id: randomUUID(),
                householdId: household.id,
                regionCode: household.regionCode,
                reason,
                requestedBy: context.caller.sub,
                requestedAt,
                dueAt: new Date(requestedAt.getTime() + REVISION_DEADLINE_DAYS * 86_400_000),
              },
            });
            await recordRevision(tx, REVISION_REQUESTED, {
              householdId: household.id,
              revisionId: created.id,
              status: "OPEN",
            });
            return { id: created.id };
          },
        ),
      );
      return context.prisma.revisionRequest.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
  resolveIndexRevision: t.prismaField({
    type: "RevisionRequest",
    ...needs("social:register"),
    description:
      "A case worker of the household's region (or the register) answers a revision request; an accepted one may correct the household's living conditions, which gives a new declaration and index in the same transaction.",
    args: {
      id: t.arg.id({ required: true }),
      outcome: t.arg({ type: RevisionOutcomeEnum, required: true }),
      note: t.arg.string({ required: true }),
      declaration: t.arg({
        type: LivingConditionsInput,
        required: false,
        description: "With ACCEPTED only: the corrected living conditions (every current member once)",
      }),
      idempotencyKey: t.arg.string({ required: false }),
    },
    resolve: async (query, _root, args, context) => {
      const request = await findByUuid(args.id, (id) => context.prisma.revisionRequest.findUnique({ where: { id } }));
      if (!request) {
        throw new NotFoundError("Revision request");
      }
      // A case worker answers the requests of their own region only.
      await assertRowAllowed(context, HOUSEHOLD_ROWS, requestFacts(request, context), "This revision request");
      const note = args.note.trim();
      if (note.length < 5) {
        throw new ValidationError([{ field: "note", message: "explain the outcome to the household" }]);
      }
      if (args.declaration && args.outcome !== "ACCEPTED") {
        throw new ValidationError([
          { field: "declaration", message: "only an accepted revision corrects the declaration" },
        ]);
      }
      // The corrected declaration is checked and scored (graph reads included) before the transaction.
      const household = args.declaration ? await requireHousehold(context, request.householdId) : null;
      const corrected: PreparedDeclaration | null =
        household && args.declaration ? await prepareDeclaration(context, household, args.declaration) : null;
      await context.prisma.$transaction((tx) =>
        once(
          tx,
          {
            scope: idempotencyScope(context.caller),
            key: args.idempotencyKey,
            operation: "resolveIndexRevision",
            request: args,
          },
          async () => {
            const updated = await tx.revisionRequest.updateMany({
              where: { id: request.id, status: "OPEN" },
              data: { status: args.outcome, outcomeNote: note, resolvedBy: context.caller.sub, resolvedAt: new Date() },
            });
            if (updated.count === 0) {
              throw new AlreadyResolvedError();
            }
            if (household && corrected) {
              await writeDeclaration(tx, context, household, corrected, "REVISION");
            }
            await recordRevision(tx, REVISION_DECIDED, {
              householdId: request.householdId,
              revisionId: request.id,
              status: args.outcome,
            });
            return { id: request.id };
          },
        ),
      );
      return context.prisma.revisionRequest.findUniqueOrThrow({ ...query, where: { id: request.id } });
    },
  }),
}));

builder.queryField("overdueIndexRevisions", (t) =>
  t.prismaField({
    type: ["RevisionRequest"],
    ...needs("social:revision"),
    description: "Open revision requests past their due date, oldest first",
    // Not paginated: sized as a nationwide backlog, so a case worker asking it pays for that.
    listSize: { assumedSize: 1000 },
    args: { regionCode: t.arg.string({ required: false }) },
    resolve: async (query, _root, args, context) => {
      // A case worker's list holds only their region, a citizen's only their own household's.
      const rows = listRestriction(context, HOUSEHOLD_ROWS);
      if (rows?.none) {
        return [];
      }
      const where: Prisma.RevisionRequestWhereInput[] = [{ status: "OPEN" }, { dueAt: { lt: new Date() } }];
      if (rows?.region) {
        where.push({ regionCode: rows.region });
      }
      if (rows?.idcs) {
        const own = await context.callerHouseholdId();
        if (!own) {
          return [];
        }
        where.push({ householdId: own });
      }
      if (args.regionCode) {
        where.push({ regionCode: args.regionCode });
      }
      return context.prisma.revisionRequest.findMany({
        ...query,
        where: { AND: where },
        orderBy: { dueAt: "asc" },
        take: 500,
      });
    },
  }),
);

export { RevisionRequest };
