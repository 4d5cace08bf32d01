-- The trusted document an entry's request ran, by its id (the SHA-256 of the registered text);
-- null for a free-form document and for every entry written before documents were registered.
ALTER TABLE "access_log" ADD COLUMN "document_id" TEXT;

-- As before, plus the document id. The writer's canonical JSON covers the id only when there is
-- one, so the hashes of the entries written before this column still verify.
CREATE OR REPLACE FUNCTION "access_log_append"("entries" JSONB) RETURNS INTEGER LANGUAGE plpgsql AS $$
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
      "purpose", "operation_name", "document_hash", "document_id", "served", "refused", "kinds", "persons",
      "prev_hash", "hash")
    VALUES (head_seq, (entry->>'id')::uuid, (entry->>'at')::timestamptz, entry->>'requestId', entry->>'agency',
      entry->>'role', entry->>'subject', entry->>'callerIdcs', entry->>'purpose', entry->>'operationName',
      entry->>'documentHash', entry->>'documentId',
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
