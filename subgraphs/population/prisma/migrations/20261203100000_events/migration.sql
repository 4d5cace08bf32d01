-- Events between the registers (@spx/runtime/events). The outbox is written in the transaction of
-- the change it reports; `position` is assigned later by the relay, one relay at a time under an
-- advisory lock, so that a reader following positions never skips an event committed late.
CREATE TABLE "outbox_event" (
    "id" UUID NOT NULL,
    "position" BIGINT,
    "type" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "data" JSONB NOT NULL,
    "occurred_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "published_at" TIMESTAMPTZ(6),

    CONSTRAINT "outbox_event_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "outbox_event_position_key" ON "outbox_event"("position");

-- The relay's work lists: events without a position yet, and positioned events not yet published.
CREATE INDEX "outbox_event_unpositioned_idx" ON "outbox_event"("occurred_at", "id") WHERE "position" IS NULL;
CREATE INDEX "outbox_event_unpublished_idx" ON "outbox_event"("position") WHERE "published_at" IS NULL AND "position" IS NOT NULL;

-- The events this register's consumers have reacted to: a redelivered event is recognised by its id.
CREATE TABLE "consumed_event" (
    "consumer" TEXT NOT NULL,
    "event_id" UUID NOT NULL,
    "source" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "consumed_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "consumed_event_pkey" PRIMARY KEY ("consumer", "event_id")
);

-- How far each consumer has read a producer's event feed (the transport without NATS).
CREATE TABLE "event_cursor" (
    "consumer" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "position" BIGINT NOT NULL,

    CONSTRAINT "event_cursor_pkey" PRIMARY KEY ("consumer")
);
