-- The witness's own database (never the log's): what it cosigned per log, and what it refused.

-- The latest checkpoint cosigned per origin: the one row an add-checkpoint locks (SELECT … FOR
-- UPDATE), compares with and replaces in one transaction, so that two submissions never roll it back.
-- A log never cosigned has its row at size 0 (the empty tree) with no note yet.
CREATE TABLE "witness_checkpoint" (
  "origin" TEXT PRIMARY KEY,
  "size" BIGINT NOT NULL CHECK ("size" >= 0),
  "root" BYTEA NOT NULL CHECK (length("root") = 32),
  "note" TEXT,
  "cosigned_at" TIMESTAMPTZ
);

-- Every checkpoint it cosigned, with its cosignature line: the witness's own record of the sizes and
-- roots it vouched for, against which a later checkpoint of the same size is compared (a fork).
CREATE TABLE "witness_cosigned" (
  "id" BIGSERIAL PRIMARY KEY,
  "origin" TEXT NOT NULL,
  "size" BIGINT NOT NULL,
  "root" BYTEA NOT NULL CHECK (length("root") = 32),
  "cosigned_at" TIMESTAMPTZ NOT NULL,
  "line" TEXT NOT NULL
);
-- In id order: the order the latest state was replaced in (each insert holds the origin's row lock).
CREATE INDEX "witness_cosigned_origin_size" ON "witness_cosigned" ("origin", "size");

-- What it refused as evidence of a misbehaving log: the signed checkpoint it was shown, what it had
-- cosigned, and why. The note is kept whole: signed by the log, it is the proof to show anyone.
CREATE TABLE "witness_alarm" (
  "id" BIGSERIAL PRIMARY KEY,
  "raised_at" TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
  "origin" TEXT NOT NULL,
  "reason" TEXT NOT NULL,
  "source" TEXT NOT NULL CHECK ("source" IN ('submission', 'poll')),
  "cosigned_size" BIGINT NOT NULL,
  "cosigned_root" BYTEA NOT NULL,
  "seen_size" BIGINT NOT NULL,
  "seen_root" BYTEA NOT NULL,
  "detail" TEXT NOT NULL,
  "note" TEXT NOT NULL
);
CREATE INDEX "witness_alarm_origin" ON "witness_alarm" ("origin", "id");

-- History and alarms are evidence: append-only, as the access log is.
CREATE FUNCTION "witness_append_only"() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER "witness_cosigned_append_only" BEFORE UPDATE OR DELETE ON "witness_cosigned"
  FOR EACH ROW EXECUTE FUNCTION "witness_append_only"();
CREATE TRIGGER "witness_cosigned_no_truncate" BEFORE TRUNCATE ON "witness_cosigned"
  FOR EACH STATEMENT EXECUTE FUNCTION "witness_append_only"();
CREATE TRIGGER "witness_alarm_append_only" BEFORE UPDATE OR DELETE ON "witness_alarm"
  FOR EACH ROW EXECUTE FUNCTION "witness_append_only"();
CREATE TRIGGER "witness_alarm_no_truncate" BEFORE TRUNCATE ON "witness_alarm"
  FOR EACH STATEMENT EXECUTE FUNCTION "witness_append_only"();

-- The latest state only grows: whatever the code does, a smaller tree never replaces a larger one.
CREATE FUNCTION "witness_checkpoint_grows"() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' OR NEW."origin" <> OLD."origin" OR NEW."size" < OLD."size"
     OR (NEW."size" = OLD."size" AND NEW."root" <> OLD."root" AND OLD."note" IS NOT NULL) THEN
    RAISE EXCEPTION 'witness_checkpoint only grows' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER "witness_checkpoint_grows" BEFORE UPDATE OR DELETE ON "witness_checkpoint"
  FOR EACH ROW EXECUTE FUNCTION "witness_checkpoint_grows"();
CREATE TRIGGER "witness_checkpoint_no_truncate" BEFORE TRUNCATE ON "witness_checkpoint"
  FOR EACH STATEMENT EXECUTE FUNCTION "witness_append_only"();
