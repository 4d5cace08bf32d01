-- The access log becomes a Merkle tree (RFC 9162) with signed checkpoints, sequenced in batches.
--
-- Replicas no longer take one lock per append: each writes its group commit into
-- access_log_incoming (one multi-row INSERT), and one sequencer at a time (whoever holds the
-- advisory lock 53180081, the old chain's, for the length of one round) moves those rows into
-- access_log with consecutive seq, computes their leaves and the tree's nodes, and signs
-- checkpoints. Entries of the old hash chain stay as they are and become the first leaves, in seq
-- order (the sequencer integrates them when it first runs); their prev_hash/hash remain
-- verifiable beside the tree. Entries sequenced by the tree carry no chain hashes.

CREATE TABLE "access_log_incoming" (
  "id" UUID PRIMARY KEY,
  "received_at" TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
  "at" TIMESTAMPTZ(3) NOT NULL,
  "request_id" TEXT NOT NULL,
  "agency" TEXT,
  "role" TEXT NOT NULL,
  "subject" TEXT NOT NULL,
  "caller_idcs" TEXT,
  "purpose" TEXT NOT NULL,
  "operation_name" TEXT,
  "document_hash" TEXT NOT NULL,
  "document_id" TEXT,
  "served" TEXT[] NOT NULL,
  "refused" TEXT[] NOT NULL,
  "kinds" TEXT[] NOT NULL,
  "persons" TEXT[] NOT NULL,
  -- 32 random bytes from the writer: the entry's secret, from which each person's salt is derived.
  "salt" BYTEA NOT NULL CHECK (length("salt") = 32)
);
-- A person's pending entries are shown to them before they are sequenced.
CREATE INDEX "access_log_incoming_persons_idx" ON "access_log_incoming" USING GIN ("persons");
-- The sequencer's order.
CREATE INDEX "access_log_incoming_received_idx" ON "access_log_incoming" ("received_at", "id");

ALTER TABLE "access_log" ALTER COLUMN "prev_hash" DROP NOT NULL, ALTER COLUMN "hash" DROP NOT NULL;

-- Leaf index = seq - 1. Old (chained) entries get their salt from the sequencer when integrated.
CREATE TABLE "access_log_leaf" (
  "seq" BIGINT PRIMARY KEY REFERENCES "access_log" ("seq"),
  "salt" BYTEA NOT NULL CHECK (length("salt") = 32),
  "leaf_hash" BYTEA NOT NULL CHECK (length("leaf_hash") = 32)
);

-- Every perfect subtree of the tree (level 0 = the leaf hashes): any proof is a handful of rows.
CREATE TABLE "access_log_tree" (
  "level" SMALLINT NOT NULL CHECK ("level" >= 0 AND "level" < 64),
  "index" BIGINT NOT NULL CHECK ("index" >= 0),
  "hash" BYTEA NOT NULL CHECK (length("hash") = 32),
  PRIMARY KEY ("level", "index")
);

-- Checkpoints the log signed (the note carries the log's signature only).
CREATE TABLE "access_log_checkpoint" (
  "size" BIGINT PRIMARY KEY CHECK ("size" > 0),
  "root" BYTEA NOT NULL CHECK (length("root") = 32),
  "signed_at" TIMESTAMPTZ NOT NULL,
  "note" TEXT NOT NULL
);

-- Witnesses' cosignatures (C2SP tlog-cosignature lines) of those checkpoints.
CREATE TABLE "access_log_cosignature" (
  "size" BIGINT NOT NULL REFERENCES "access_log_checkpoint" ("size"),
  "witness" TEXT NOT NULL,
  "line" TEXT NOT NULL,
  "cosigned_at" TIMESTAMPTZ NOT NULL,
  PRIMARY KEY ("size", "witness")
);

-- Append-only, like access_log. The incoming rows are only ever deleted (moved by the sequencer).
CREATE TRIGGER "access_log_incoming_no_update" BEFORE UPDATE ON "access_log_incoming"
  FOR EACH ROW EXECUTE FUNCTION "access_log_is_append_only"();
CREATE TRIGGER "access_log_incoming_no_truncate" BEFORE TRUNCATE ON "access_log_incoming"
  FOR EACH STATEMENT EXECUTE FUNCTION "access_log_is_append_only"();
CREATE TRIGGER "access_log_leaf_no_update" BEFORE UPDATE OR DELETE ON "access_log_leaf"
  FOR EACH ROW EXECUTE FUNCTION "access_log_is_append_only"();
CREATE TRIGGER "access_log_leaf_no_truncate" BEFORE TRUNCATE ON "access_log_leaf"
  FOR EACH STATEMENT EXECUTE FUNCTION "access_log_is_append_only"();
CREATE TRIGGER "access_log_tree_no_update" BEFORE UPDATE OR DELETE ON "access_log_tree"
  FOR EACH ROW EXECUTE FUNCTION "access_log_is_append_only"();
CREATE TRIGGER "access_log_tree_no_truncate" BEFORE TRUNCATE ON "access_log_tree"
  FOR EACH STATEMENT EXECUTE FUNCTION "access_log_is_append_only"();
CREATE TRIGGER "access_log_checkpoint_no_update" BEFORE UPDATE OR DELETE ON "access_log_checkpoint"
  FOR EACH ROW EXECUTE FUNCTION "access_log_is_append_only"();
CREATE TRIGGER "access_log_checkpoint_no_truncate" BEFORE TRUNCATE ON "access_log_checkpoint"
  FOR EACH STATEMENT EXECUTE FUNCTION "access_log_is_append_only"();
CREATE TRIGGER "access_log_cosignature_no_update" BEFORE UPDATE OR DELETE ON "access_log_cosignature"
  FOR EACH ROW EXECUTE FUNCTION "access_log_is_append_only"();
CREATE TRIGGER "access_log_cosignature_no_truncate" BEFORE TRUNCATE ON "access_log_cosignature"
  FOR EACH STATEMENT EXECUTE FUNCTION "access_log_is_append_only"();
