-- The access log: one entry per request that served personal data. Append-only and hash-chained:
-- each entry carries the hash of the one before it, so that a changed, removed or inserted entry
-- breaks the chain (npm run audit:verify names the first broken one).
CREATE TABLE "access_log" (
  "seq" BIGINT PRIMARY KEY,
  "id" UUID NOT NULL UNIQUE,
  "at" TIMESTAMPTZ(3) NOT NULL,
  "request_id" TEXT NOT NULL,
  "agency" TEXT,
  "role" TEXT NOT NULL,
  "subject" TEXT NOT NULL,
  -- Set for citizens only: their own reads are not shown back to them as someone else's.
  "caller_idcs" TEXT,
  "purpose" TEXT NOT NULL,
  "operation_name" TEXT,
  "document_hash" TEXT NOT NULL,
  "served" TEXT[] NOT NULL,
  "refused" TEXT[] NOT NULL,
  "kinds" TEXT[] NOT NULL,
  "persons" TEXT[] NOT NULL,
  "prev_hash" TEXT NOT NULL,
  "hash" TEXT NOT NULL
);

-- A person's own view ("who looked at my data"), newest first.
CREATE INDEX "access_log_persons_idx" ON "access_log" USING GIN ("persons");
-- Auditors: by period, by agency and period.
CREATE INDEX "access_log_at_idx" ON "access_log" ("at");
CREATE INDEX "access_log_agency_at_idx" ON "access_log" ("agency", "at");

CREATE FUNCTION "access_log_is_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the access log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER "access_log_no_update" BEFORE UPDATE OR DELETE ON "access_log"
  FOR EACH ROW EXECUTE FUNCTION "access_log_is_append_only"();
CREATE TRIGGER "access_log_no_truncate" BEFORE TRUNCATE ON "access_log"
  FOR EACH STATEMENT EXECUTE FUNCTION "access_log_is_append_only"();

-- Appends a batch at the head of the chain in one statement (one round trip, one transaction):
-- takes the chain's lock, skips entries already written (a retried batch never logs twice), and
-- chains each entry: hash = SHA-256(previous hash, "\n", seq, "\n", canonical), where `canonical`
-- is the writer's JSON of the recorded fields, which audit:verify rebuilds from the columns.
CREATE FUNCTION "access_log_append"("entries" JSONB) RETURNS INTEGER LANGUAGE plpgsql AS $$
DECLARE
  head_seq BIGINT;
  head_hash TEXT;
  entry JSONB;
  appended INTEGER := 0;
BEGIN
  PERFORM pg_advisory_xact_lock(53180081);
  SELECT "seq", "hash" INTO head_seq, head_hash FROM "access_log" ORDER BY "seq" DESC LIMIT 1;
  head_seq := coalesce(head_seq, 0);
  head_hash := coalesce(head_hash, repeat('0', 64));
  FOR entry IN SELECT value FROM jsonb_array_elements("entries") LOOP
    IF EXISTS (SELECT 1 FROM "access_log" WHERE "id" = (entry->>'id')::uuid) THEN
      CONTINUE;
    END IF;
    head_seq := head_seq + 1;
    INSERT INTO "access_log" ("seq", "id", "at", "request_id", "agency", "role", "subject", "caller_idcs",
      "purpose", "operation_name", "document_hash", "served", "refused", "kinds", "persons", "prev_hash", "hash")
    VALUES (head_seq, (entry->>'id')::uuid, (entry->>'at')::timestamptz, entry->>'requestId', entry->>'agency',
      entry->>'role', entry->>'subject', entry->>'callerIdcs', entry->>'purpose', entry->>'operationName',
      entry->>'documentHash',
      ARRAY(SELECT jsonb_array_elements_text(entry->'served')),
      ARRAY(SELECT jsonb_array_elements_text(entry->'refused')),
      ARRAY(SELECT jsonb_array_elements_text(entry->'kinds')),
      ARRAY(SELECT jsonb_array_elements_text(entry->'persons')),
      head_hash,
      encode(sha256(convert_to(head_hash || E'\n' || head_seq || E'\n' || (entry->>'canonical'), 'UTF8')), 'hex'))
    RETURNING "hash" INTO head_hash;
    appended := appended + 1;
  END LOOP;
  RETURN appended;
END;
$$;
