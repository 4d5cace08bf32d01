import { needs, needsNationwide } from "@spx/runtime/access";
import { type EventFeedRow, readEventFeed } from "@spx/runtime/events";
import { householdPersons } from "../access.js";
import { builder } from "./builder.js";

/** Every field of an event: the feed field itself is also nationwide-only. */
const READ = needs("events:read");

const SocialRegistryEvent = builder.objectRef<EventFeedRow>("SocialRegistryEvent").implement({
  description:
    "A fact of the social register other registers react to (an eligibility change, a household's members changed, a revision requested or decided), in the order the register committed them",
  fields: (t) => ({
    id: t.exposeID("id", { ...READ, description: "The event's id: a consumer recognises a redelivery by it" }),
    position: t.exposeString("position", {
      ...READ,
      description: "Its place in the feed: pass the last one read as `after`",
    }),
    type: t.exposeString("type", { ...READ, description: "eligibility.changed, household.members-changed, …" }),
    occurredAt: t.field({ type: "DateTime", ...READ, resolve: (e) => e.occurredAt }),
    subject: t.exposeString("subject", { ...READ, description: "The household the event is about" }),
    data: t.exposeString("data", {
      ...READ,
      description: "The event's facts as JSON text (see the README's event table)",
    }),
  }),
});

builder.queryField("socialRegistryEvents", (t) =>
  t.field({
    type: [SocialRegistryEvent],
    // Only the nationwide services that react to the register's facts (CNSS, ANSS) read the feed.
    ...needsNationwide("events:read"),
    description:
      "The register's events after a position, oldest first (the event transport without NATS); at most 500 at a time",
    listSize: { slicingArguments: ["first"], assumedSize: 100, requireOneSlicingArgument: false },
    args: {
      after: t.arg.string({
        required: false,
        description: "The position of the last event read; none: from the start",
      }),
      first: t.arg.int({ required: false, defaultValue: 100 }),
    },
    resolve: async (_root, args, context) => {
      const events = await readEventFeed(context.prisma, args);
      // Every event is about a household: its current members are served like any read of it.
      for (const householdId of new Set(events.map((e) => e.subject))) {
        context.trail.add(householdPersons({ id: householdId }, context));
      }
      return events;
    },
  }),
);
