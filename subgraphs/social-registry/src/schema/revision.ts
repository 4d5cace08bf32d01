import { randomUUID } from "node:crypto";
import { DomainError, ForbiddenError, ValidationError } from "@spx/runtime/errors";
import { idempotencyScope, once } from "@spx/runtime/idempotency";
import { builder } from "../builder.js";
import type { Context } from "../context.js";
import { requireHousehold } from "./household.js";

/** Décret 2-21-582 provides for revision requests; this register answers within 30 days. */
export const REVISION_DEADLINE_DAYS = 30;

const RevisionStatusEnum = builder.enumType("RevisionStatus", { values: ["OPEN", "ACCEPTED", "REJECTED"] as const });
const RevisionOutcomeEnum = builder.enumType("RevisionOutcome", { values: ["ACCEPTED", "REJECTED"] as const });

const RevisionRequest = builder.prismaObject("RevisionRequest", {
  name: "IndexRevisionRequest",
  description: "A household contesting its index; assigned to the household's region",
  fields: (t) => ({
    id: t.exposeID("id"),
    householdId: t.exposeID("householdId"),
    regionCode: t.exposeString("regionCode"),
    reason: t.exposeString("reason"),
    requestedAt: t.expose("requestedAt", { type: "DateTime" }),
    dueAt: t.expose("dueAt", { type: "DateTime" }),
    status: t.expose("status", { type: RevisionStatusEnum }),
    outcomeNote: t.exposeString("outcomeNote", { nullable: true }),
    resolvedAt: t.expose("resolvedAt", { type: "DateTime", nullable: true }),
    overdue: t.boolean({ resolve: (r) => r.status === "OPEN" && r.dueAt.getTime() < Date.now() }),
  }),
});

async function mayRequestFor(context: Context, householdId: string): Promise<boolean> {
  const { caller } = context;
  if (caller.role === "CITIZEN" && caller.idcs) {
    const membership = await context.loaders.membershipOfPerson.load(caller.idcs);
    return membership?.householdId === householdId;
  }
  return caller.agency === "ANR";
}

builder.mutationFields((t) => ({
  requestIndexRevision: t.prismaField({
    type: "RevisionRequest",
    description: `A household contests its index; an answer is due within ${REVISION_DEADLINE_DAYS} days.`,
    args: {
      householdId: t.arg.id({ required: true }),
      reason: t.arg.string({ required: true }),
      idempotencyKey: t.arg.string({ required: false }),
    },
    resolve: async (query, _root, args, context) => {
      const household = (await requireHousehold(context, args.householdId)) as { id: string; regionCode: string };
      if (!(await mayRequestFor(context, household.id))) {
        throw new ForbiddenError("Only a member of the household or the register may ask for a revision");
      }
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
            return { id: created.id };
          },
        ),
      );
      return context.prisma.revisionRequest.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
  resolveIndexRevision: t.prismaField({
    type: "RevisionRequest",
    authScopes: { registrar: true },
    description: "A case worker of the household's region (or the register) answers a revision request.",
    args: {
      id: t.arg.id({ required: true }),
      outcome: t.arg({ type: RevisionOutcomeEnum, required: true }),
      note: t.arg.string({ required: true }),
      idempotencyKey: t.arg.string({ required: false }),
    },
    resolve: async (query, _root, args, context) => {
      const request = await context.prisma.revisionRequest.findUnique({ where: { id: args.id } }).catch(() => null);
      if (!request) {
        throw new DomainError("NOT_FOUND", "Revision request not found");
      }
      if (context.caller.role === "CASE_WORKER" && context.caller.region !== request.regionCode) {
        throw new ForbiddenError("This request is assigned to another region");
      }
      const note = args.note.trim();
      if (note.length < 5) {
        throw new ValidationError([{ field: "note", message: "explain the outcome to the household" }]);
      }
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
              throw new DomainError("ALREADY_RESOLVED", "This revision request was already answered");
            }
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
    authScopes: { registrar: true },
    description: "Open revision requests past their due date, oldest first",
    args: { regionCode: t.arg.string({ required: false }) },
    resolve: (query, _root, args, context) => {
      const region = context.caller.role === "CASE_WORKER" ? context.caller.region : (args.regionCode ?? undefined);
      return context.prisma.revisionRequest.findMany({
        ...query,
        where: { status: "OPEN", dueAt: { lt: new Date() }, ...(region ? { regionCode: region } : {}) },
        orderBy: { dueAt: "asc" },
        take: 500,
      });
    },
  }),
);

export { RevisionRequest };
