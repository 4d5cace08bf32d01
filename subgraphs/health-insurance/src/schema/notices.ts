import { listRestriction, needs, needsNationwide, rowPolicy } from "@spx/runtime/access";
import { ValidationError } from "@spx/runtime/errors";
import type { Notice as NoticeRow, Prisma } from "../../generated/prisma/index.js";
import { AFFILIATION_ROWS } from "../access.js";
import type { Context } from "../context.js";
import { builder } from "./builder.js";

const NoticeKindEnum = builder.enumType("NoticeKind", { values: ["SUSPENSION", "CLOSURE", "REDUCTION"] as const });
const NoticeStatusEnum = builder.enumType("NoticeStatus", { values: ["PENDING", "CANCELLED", "APPLIED"] as const });

const MAX_PAGE = 500;

function pageSize(first: number | null | undefined): number {
  const size = first ?? 100;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE) {
    throw new ValidationError([{ field: "first", message: `between 1 and ${MAX_PAGE}` }]);
  }
  return size;
}

builder.prismaObject("Notice", {
  name: "AmoNotice",
  description:
    "A notice before an adverse AMO decision: what will change, why, on which day, and how to contest it before then",
  // Nationwide, the case workers of the affiliation's region, or the principal insured person.
  ...rowPolicy<NoticeRow, Context>(
    [...AFFILIATION_ROWS],
    (notice, context) => ({
      region: notice.regionCode,
      self: async () => {
        const { idcs } = context.caller;
        if (!idcs) {
          return false;
        }
        if (notice.principalIdcs === idcs) {
          return true;
        }
        const covered = await context.loaders.coverages.load(notice.affiliationId);
        return covered.some((coverage) => coverage.personIdcs === idcs && coverage.until === null);
      },
    }),
    (notice) => notice.principalIdcs,
  ),
  fields: (t) => ({
    id: t.exposeID("id", needs("health:coverage")),
    kind: t.expose("kind", { type: NoticeKindEnum, ...needs("health:coverage") }),
    reason: t.exposeString("reason", needs("health:coverage")),
    effectiveOn: t.expose("effectiveOn", {
      type: "Date",
      ...needs("health:coverage"),
      description: "The day the change applies unless the notice is cancelled or held by a pending revision",
    }),
    status: t.expose("status", { type: NoticeStatusEnum, ...needs("health:coverage") }),
    createdAt: t.expose("createdAt", { type: "DateTime", ...needs("health:coverage") }),
    contest: t.exposeString("contest", { ...needs("health:coverage"), description: "How and until when to contest" }),
    causeEventId: t.exposeID("causeEventId", {
      ...needs("health:coverage"),
      description: "The other register's event that caused the notice",
    }),
    cause: t.exposeString("cause", needs("health:coverage")),
    affiliationId: t.exposeID("affiliationId", needs("health:coverage")),
    settledAt: t.expose("settledAt", { type: "DateTime", ...needs("health:coverage") }),
    outcome: t.exposeString("outcome", needs("health:coverage")),
  }),
});

builder.queryField("amoNotices", (t) =>
  t.prismaField({
    type: ["Notice"],
    ...needs("health:coverage"),
    listSize: { assumedSize: 100, slicingArguments: ["first"], requireOneSlicingArgument: false },
    description:
      "AMO notices by status, newest first: a case worker's are their region's, a citizen's their own affiliations'",
    args: {
      status: t.arg({ type: NoticeStatusEnum, required: false, defaultValue: "PENDING" }),
      first: t.arg.int({ required: false, defaultValue: 100 }),
    },
    resolve: async (query, _root, { status, first }, context) => {
      const take = pageSize(first);
      // A case worker's list holds only their region, a citizen's only their own affiliations.
      const rows = listRestriction(context, AFFILIATION_ROWS);
      if (rows?.none) {
        return [];
      }
      const where: Prisma.NoticeWhereInput = { status: status ?? "PENDING" };
      if (rows?.region) {
        where.regionCode = rows.region;
      }
      if (rows?.idcs) {
        // As the row policy's `self`: the principal, or a person the affiliation covers now.
        where.OR = [
          { principalIdcs: rows.idcs },
          { affiliation: { coverages: { some: { personIdcs: rows.idcs, until: null } } } },
        ];
      }
      return context.prisma.notice.findMany({ ...query, where, orderBy: [{ createdAt: "desc" }, { id: "asc" }], take });
    },
  }),
);

builder.prismaObject("EventReaction", {
  name: "AmoEventReaction",
  description: "What this register did in answer to another register's event",
  fields: (t) => ({
    id: t.exposeID("id", needs("health:coverage")),
    eventId: t.exposeID("eventId", needs("health:coverage")),
    eventType: t.exposeString("eventType", needs("health:coverage")),
    source: t.exposeString("source", needs("health:coverage")),
    action: t.exposeString("action", needs("health:coverage")),
    subject: t.exposeString("subject", needs("health:coverage")),
    detail: t.string({ ...needs("health:coverage"), description: "JSON", resolve: (r) => JSON.stringify(r.detail) }),
    at: t.expose("at", { type: "DateTime", ...needs("health:coverage") }),
  }),
});

builder.queryField("amoEventReactions", (t) =>
  t.prismaField({
    type: ["EventReaction"],
    // The register's audit of its reactions: its auditors and systems, nationwide.
    ...needsNationwide("health:coverage"),
    listSize: { assumedSize: 100, slicingArguments: ["first"], requireOneSlicingArgument: false },
    description: "This register's reactions to other registers' events, newest first",
    args: {
      first: t.arg.int({ required: false, defaultValue: 100 }),
      eventId: t.arg.id({ required: false, description: "Only the reactions to this event" }),
    },
    resolve: (query, _root, { first, eventId }, context) =>
      context.prisma.eventReaction.findMany({
        ...query,
        where: eventId ? { eventId: String(eventId) } : {},
        orderBy: [{ at: "desc" }, { id: "asc" }],
        take: pageSize(first),
      }),
  }),
);
