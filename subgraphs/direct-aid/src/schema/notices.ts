import { HISTORY, needs, needsNationwide, rowPolicy } from "@spx/runtime/access";
import { ValidationError } from "@spx/runtime/errors";
import type { AidNotice as AidNoticeRow } from "../../generated/prisma/index.js";
import { HOUSEHOLD_ROWS, noticeRows } from "../access.js";
import type { Context } from "../context.js";
import { builder } from "./builder.js";

const ENROLMENT = needs("aid:enrolment");

const NoticeKindEnum = builder.enumType("AidNoticeKind", { values: ["SUSPENSION", "CLOSURE", "REDUCTION"] as const });
const NoticeStatusEnum = builder.enumType("AidNoticeStatus", {
  values: {
    PENDING: { description: "Announced, not yet in effect" },
    CANCELLED: { description: "Will not take effect (eligible again, or decided otherwise)" },
    APPLIED: { description: "Took effect on its date" },
  } as const,
});

export const AidNotice = builder.prismaObject("AidNotice", {
  description:
    "A change to a household's direct aid announced before it takes effect: why, from when, how to contest it",
  ...rowPolicy<AidNoticeRow, Context>(
    [...HOUSEHOLD_ROWS],
    (notice, context) => ({
      region: notice.regionCode,
      self: () => notice.headIdcs === context.caller.idcs || notice.payeeIdcs === context.caller.idcs,
    }),
    (notice) => (notice.payeeIdcs ? [notice.headIdcs, notice.payeeIdcs] : notice.headIdcs),
  ),
  fields: (t) => ({
    id: t.exposeID("id", ENROLMENT),
    householdId: t.exposeID("householdId", ENROLMENT),
    kind: t.expose("kind", { type: NoticeKindEnum, ...ENROLMENT }),
    reason: t.exposeString("reason", ENROLMENT),
    effectiveOn: t.expose("effectiveOn", {
      type: "Date",
      ...ENROLMENT,
      description: "The day it takes effect, unless cancelled (a pending revision of the index holds it back)",
    }),
    status: t.expose("status", { type: NoticeStatusEnum, ...ENROLMENT }),
    createdAt: t.expose("createdAt", { type: "DateTime", ...ENROLMENT }),
    contest: t.exposeString("contest", { ...ENROLMENT, description: "How, and until when, to contest it" }),
    causeEventId: t.exposeID("causeEventId", {
      ...ENROLMENT,
      description: "The register event that caused it (another register's outbox id)",
    }),
    cause: t.exposeString("cause", ENROLMENT),
    outcome: t.exposeString("outcome", { ...ENROLMENT, description: "Why it was cancelled, or when applied" }),
  }),
});

/** A household's or a person's notices: a few a year. */
export const NOTICES = {
  ...ENROLMENT,
  ...HISTORY,
} as const;

const MAX_NOTICES = 500;

/** An event reaction as recorded: the event, what was done, the details. */
const EventReaction = builder.prismaObject("EventReaction", {
  name: "AidEventReaction",
  description: "What direct aid did in answer to another register's event",
  fields: (t) => ({
    id: t.exposeID("id", needs("aid:payments")),
    eventId: t.exposeID("eventId", needs("aid:payments")),
    eventType: t.exposeString("eventType", needs("aid:payments")),
    source: t.exposeString("source", needs("aid:payments")),
    action: t.exposeString("action", needs("aid:payments")),
    subject: t.exposeString("subject", needs("aid:payments")),
    detail: t.string({ ...needs("aid:payments"), resolve: (r) => JSON.stringify(r.detail) }),
    at: t.expose("at", { type: "DateTime", ...needs("aid:payments") }),
  }),
});

function pageSize(first: number | null | undefined, max: number): number {
  const size = first ?? 100;
  if (!Number.isInteger(size) || size < 1 || size > max) {
    throw new ValidationError(
      [{ field: "first", message: `between 1 and ${max}` }],
      `first must be between 1 and ${max}`,
    );
  }
  return size;
}

builder.queryFields((t) => ({
  aidNotices: t.prismaField({
    type: ["AidNotice"],
    ...ENROLMENT,
    description: `Direct-aid notices by status, soonest effect first, at most ${MAX_NOTICES}: a case worker's region, a citizen's own`,
    args: {
      status: t.arg({ type: NoticeStatusEnum, required: false, defaultValue: "PENDING" }),
      first: t.arg.int({ required: false, defaultValue: 100 }),
    },
    listSize: { slicingArguments: ["first"], requireOneSlicingArgument: false },
    resolve: async (query, _root, args, context) => {
      const size = pageSize(args.first, MAX_NOTICES);
      const rows = noticeRows(context);
      if (!rows) {
        return [];
      }
      return context.prisma.aidNotice.findMany({
        ...query,
        where: { AND: [{ status: args.status ?? "PENDING" }, rows] },
        orderBy: [{ effectiveOn: "asc" }, { id: "asc" }],
        take: size,
      });
    },
  }),
  aidEventReactions: t.prismaField({
    type: [EventReaction],
    ...needsNationwide("aid:payments"),
    description: "Direct aid's reactions to other registers' events, newest first (for the register's auditors)",
    args: { first: t.arg.int({ required: false, defaultValue: 100 }) },
    listSize: { slicingArguments: ["first"], requireOneSlicingArgument: false },
    resolve: (query, _root, args, context) =>
      context.prisma.eventReaction.findMany({
        ...query,
        orderBy: [{ at: "desc" }, { id: "asc" }],
        take: pageSize(args.first, MAX_NOTICES),
      }),
  }),
}));
