-- Every declaration is verified against the reference records of its members, looked up by person:
-- without this index that lookup scanned the whole table (seen at a million persons: 700 ms writes).
CREATE INDEX "reference_administrative_record_person_idcs_idx" ON "reference_administrative_record"("person_idcs");
