-- The order events were written in, for the relay: occurred_at alone ties within one transaction
-- (and on the embedded database's millisecond clock), where a death must stay before what follows it.
ALTER TABLE "outbox_event" ADD COLUMN "recorded_seq" BIGSERIAL NOT NULL;
DROP INDEX "outbox_event_unpositioned_idx";
CREATE INDEX "outbox_event_unpositioned_idx" ON "outbox_event"("recorded_seq") WHERE "position" IS NULL;
