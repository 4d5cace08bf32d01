-- The day a dependant's coverage is next re-examined by time alone (a child's 21st birthday, a
-- student's 26th or the end of the school year enrolled in), set whenever the dependants are
-- decided. Null: not decided since this column exists (examined first), or no date applies.
ALTER TABLE "coverage" ADD COLUMN "review_on" DATE;

CREATE INDEX "coverage_review_on_idx" ON "coverage"("review_on") WHERE "until" IS NULL AND "role" = 'DEPENDANT';
