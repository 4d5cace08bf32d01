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
