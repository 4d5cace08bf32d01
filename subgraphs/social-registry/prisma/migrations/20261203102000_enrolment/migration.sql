-- Issue 19: schooling split into attainment (highest level completed: the index reads it) and
-- current enrolment (the programmes read it); grandchildren in the household; AMO Achamil's
-- threshold from its decree's date.

-- Orphaned grandchildren in a grandparent's care.
ALTER TYPE "Relationship" ADD VALUE IF NOT EXISTS 'GRANDCHILD' AFTER 'CHILD';

-- Declarations: each member's `schooling` was always the level completed, so it becomes
-- `attainment`; enrolment was never declared, so it is null (not enrolled as far as we know) for
-- every existing declaration, demo ones included (a new declaration gives it).
UPDATE declaration
SET member_details = (
  SELECT jsonb_agg(
    CASE WHEN m ? 'schooling'
      THEN (m - 'schooling') || jsonb_build_object('attainment', m -> 'schooling', 'enrolment', NULL::jsonb)
      ELSE m END
    ORDER BY i)
  FROM jsonb_array_elements(member_details) WITH ORDINALITY AS e(m, i)
)
WHERE jsonb_typeof(member_details) = 'array' AND jsonb_array_length(member_details) > 0;

-- The facts each index was computed from, which a recompute reads again: the same rename, so
-- that a recompute gives the same scores.
UPDATE index_computation
SET inputs = jsonb_set(inputs, '{members}', (
  SELECT jsonb_agg(
    CASE WHEN m ? 'schooling' THEN (m - 'schooling') || jsonb_build_object('attainment', m -> 'schooling') ELSE m END
    ORDER BY i)
  FROM jsonb_array_elements(inputs -> 'members') WITH ORDINALITY AS e(m, i)
))
WHERE jsonb_typeof(inputs -> 'members') = 'array' AND jsonb_array_length(inputs -> 'members') > 0;

-- AMO Achamil's rule was shipped from 2022-12-01; it is in force from decree 2.23.690 of
-- 15 Dec 2023 (law 60.22). The shipped row moves (shipped rows are only ever inserted when
-- missing, so the register would otherwise keep applying it from 2022).
UPDATE program_threshold SET effective_from = DATE '2023-12-15'
WHERE program = 'AMO_ACHAMIL' AND effective_from = DATE '2022-12-01'
  AND NOT EXISTS (SELECT 1 FROM program_threshold WHERE program = 'AMO_ACHAMIL' AND effective_from = DATE '2023-12-15');

-- Household.pendingRevision: the open requests of a household, read by household.
CREATE INDEX "revision_request_household_id_status_idx" ON "revision_request"("household_id", "status");
