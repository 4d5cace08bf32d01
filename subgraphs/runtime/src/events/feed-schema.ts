import type { PrismaClient } from "@pothos/plugin-prisma";
import { needs, needsNationwide } from "../access/access-rules.js";
import type { RequestContext } from "../server/subgraph-server.js";
import type { SubgraphSchemaTypes } from "../subgraph/subgraph-builder.js";
import { type EventFeedRow, readEventFeed } from "./event-feed.js";
import { MAX_EVENT_PAGE } from "./outbox-reader.js";
import type { RawSql } from "./register-event.js";

/** What differs between two registers' feeds: their names, their words and whom an event serves. */
export interface EventFeedSchema<Context> {
  /** The event's GraphQL type (`PopulationEvent`). */
  typeName: string;
  /** The query field (`populationEvents`). */
  fieldName: string;
  /** What the register's events are, for the type's description. */
  description: string;
  /** Examples of the event types, for the `type` field. */
  types: string;
  /** What an event's subject names, for the `subject` field. */
  subject: string;
  /** The persons a page of events serves: they are recorded in the access log like any read. */
  served(events: EventFeedRow[], context: Context): Iterable<string> | Promise<Iterable<string>>;
}

/**
 * The register's event feed in its graph (the transport without NATS), on one shape for every
 * register: the consumers read each register's feed with the same document but its own names.
 */
export function eventFeedSchema<
  Context extends RequestContext & { prisma: PrismaClient & Pick<RawSql, "$queryRawUnsafe"> },
  Types extends {},
>(
  builder: PothosSchemaTypes.SchemaBuilder<PothosSchemaTypes.ExtendDefaultTypes<SubgraphSchemaTypes<Context, Types>>>,
  feed: EventFeedSchema<Context>,
) {
  // Every field of an event is read under the feed's scope; the feed field itself is nationwide-only.
  const READ = needs("events:read");
  const Event = builder.objectRef<EventFeedRow>(feed.typeName).implement({
    description: `${feed.description}, in the order the register committed them`,
    fields: (t) => ({
      id: t.exposeID("id", { ...READ, description: "The event's id: a consumer recognises a redelivery by it" }),
      position: t.exposeString("position", {
        ...READ,
        description: "Its place in the feed: pass the last one read as `after`",
      }),
      type: t.exposeString("type", { ...READ, description: feed.types }),
      occurredAt: t.field({ type: "DateTime", ...READ, resolve: (e) => e.occurredAt }),
      subject: t.exposeString("subject", { ...READ, description: feed.subject }),
      data: t.exposeString("data", {
        ...READ,
        description: "The event's facts as JSON text (see the README's event table)",
      }),
    }),
  });
  builder.queryField(feed.fieldName, (t) =>
    t.field({
      type: [Event],
      // Only the nationwide services that react to the register's facts (CNSS, ANSS) read the feed.
      ...needsNationwide("events:read"),
      description: `The register's events after a position, oldest first (the event transport without NATS); at most ${MAX_EVENT_PAGE} at a time`,
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
        context.trail.add(feed.served(events, context));
        return events;
      },
    }),
  );
  return Event;
}
