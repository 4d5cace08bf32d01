-- Civil status (issue 19): marriages, filiation, disability, guardianship/custody/kafala, their
-- append-only history and the rules the law fixes, as data. Generated with prisma migrate diff,
-- then the hand-written part at the end.
CREATE TYPE "MarriageEndReason" AS ENUM ('DIVORCE', 'ANNULMENT', 'DEATH');

-- CreateEnum
CREATE TYPE "GuardianshipKind" AS ENUM ('LEGAL_GUARDIANSHIP', 'CUSTODY', 'KAFALA');

-- CreateTable
CREATE TABLE "marriage" (
    "id" UUID NOT NULL,
    "husband_idcs" CHAR(10) NOT NULL,
    "wife_idcs" CHAR(10) NOT NULL,
    "since" DATE NOT NULL,
    "ended_on" DATE,
    "end_reason" "MarriageEndReason",
    "source_document" TEXT NOT NULL,
    "end_source_document" TEXT,
    "recorded_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "recorded_by" TEXT NOT NULL,
    "recorded_by_subject" TEXT NOT NULL,

    CONSTRAINT "marriage_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "filiation" (
    "child_idcs" CHAR(10) NOT NULL,
    "mother_idcs" CHAR(10),
    "father_idcs" CHAR(10),
    "source_document" TEXT NOT NULL,
    "recorded_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "recorded_by" TEXT NOT NULL,
    "recorded_by_subject" TEXT NOT NULL,

    CONSTRAINT "filiation_pkey" PRIMARY KEY ("child_idcs")
);

-- CreateTable
CREATE TABLE "disability" (
    "idcs" CHAR(10) NOT NULL,
    "certifying_authority" TEXT NOT NULL,
    "certified_on" DATE NOT NULL,
    "review_on" DATE,
    "permanent_incapacity" BOOLEAN NOT NULL,
    "diagnosis" TEXT,
    "source_document" TEXT NOT NULL,
    "recorded_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "recorded_by" TEXT NOT NULL,
    "recorded_by_subject" TEXT NOT NULL,

    CONSTRAINT "disability_pkey" PRIMARY KEY ("idcs")
);

-- CreateTable
CREATE TABLE "guardianship" (
    "id" UUID NOT NULL,
    "kind" "GuardianshipKind" NOT NULL,
    "child_idcs" CHAR(10) NOT NULL,
    "guardian_idcs" CHAR(10) NOT NULL,
    "since" DATE NOT NULL,
    "until" DATE,
    "source_document" TEXT NOT NULL,
    "end_source_document" TEXT,
    "recorded_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "recorded_by" TEXT NOT NULL,
    "recorded_by_subject" TEXT NOT NULL,

    CONSTRAINT "guardianship_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "civil_status_record" (
    "id" BIGSERIAL NOT NULL,
    "subject_idcs" CHAR(10) NOT NULL,
    "kind" TEXT NOT NULL,
    "fact_id" TEXT NOT NULL,
    "recorded_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "recorded_by" TEXT NOT NULL,
    "recorded_by_subject" TEXT NOT NULL,
    "source_document" TEXT,
    "summary" TEXT NOT NULL,
    "data" JSONB NOT NULL,

    CONSTRAINT "civil_status_record_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "civil_rule" (
    "name" TEXT NOT NULL,
    "effective_from" DATE NOT NULL,
    "value" INTEGER NOT NULL,
    "source" TEXT NOT NULL,

    CONSTRAINT "civil_rule_pkey" PRIMARY KEY ("name","effective_from")
);

-- CreateIndex
CREATE INDEX "marriage_husband_idcs_idx" ON "marriage"("husband_idcs");

-- CreateIndex
CREATE INDEX "marriage_wife_idcs_idx" ON "marriage"("wife_idcs");

-- CreateIndex
CREATE INDEX "filiation_mother_idcs_idx" ON "filiation"("mother_idcs");

-- CreateIndex
CREATE INDEX "filiation_father_idcs_idx" ON "filiation"("father_idcs");

-- CreateIndex
CREATE INDEX "guardianship_child_idcs_idx" ON "guardianship"("child_idcs");

-- CreateIndex
CREATE INDEX "guardianship_guardian_idcs_idx" ON "guardianship"("guardian_idcs");

-- CreateIndex
CREATE INDEX "civil_status_record_subject_idcs_id_idx" ON "civil_status_record"("subject_idcs", "id");

-- AddForeignKey
ALTER TABLE "marriage" ADD CONSTRAINT "marriage_husband_idcs_fkey" FOREIGN KEY ("husband_idcs") REFERENCES "person"("idcs") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "marriage" ADD CONSTRAINT "marriage_wife_idcs_fkey" FOREIGN KEY ("wife_idcs") REFERENCES "person"("idcs") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "filiation" ADD CONSTRAINT "filiation_child_idcs_fkey" FOREIGN KEY ("child_idcs") REFERENCES "person"("idcs") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "filiation" ADD CONSTRAINT "filiation_mother_idcs_fkey" FOREIGN KEY ("mother_idcs") REFERENCES "person"("idcs") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "filiation" ADD CONSTRAINT "filiation_father_idcs_fkey" FOREIGN KEY ("father_idcs") REFERENCES "person"("idcs") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "disability" ADD CONSTRAINT "disability_idcs_fkey" FOREIGN KEY ("idcs") REFERENCES "person"("idcs") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "guardianship" ADD CONSTRAINT "guardianship_child_idcs_fkey" FOREIGN KEY ("child_idcs") REFERENCES "person"("idcs") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "guardianship" ADD CONSTRAINT "guardianship_guardian_idcs_fkey" FOREIGN KEY ("guardian_idcs") REFERENCES "person"("idcs") ON DELETE RESTRICT ON UPDATE CASCADE;


-- Hand-written: the history is append-only. A version is never changed or removed; a correction
-- is a new version.
CREATE FUNCTION civil_status_record_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'civil_status_record is append-only';
END;
$$;
CREATE TRIGGER civil_status_record_append_only
  BEFORE UPDATE OR DELETE ON "civil_status_record"
  FOR EACH ROW EXECUTE FUNCTION civil_status_record_append_only();

-- Hand-written: a marriage's spouses are two different persons, and it ends on or after its start.
ALTER TABLE "marriage" ADD CONSTRAINT "marriage_two_persons" CHECK ("husband_idcs" <> "wife_idcs");
ALTER TABLE "marriage" ADD CONSTRAINT "marriage_dates" CHECK ("ended_on" IS NULL OR "ended_on" >= "since");
ALTER TABLE "marriage" ADD CONSTRAINT "marriage_end_reason" CHECK (("ended_on" IS NULL) = ("end_reason" IS NULL));
ALTER TABLE "guardianship" ADD CONSTRAINT "guardianship_two_persons" CHECK ("child_idcs" <> "guardian_idcs");
ALTER TABLE "guardianship" ADD CONSTRAINT "guardianship_dates" CHECK ("until" IS NULL OR "until" >= "since");
ALTER TABLE "filiation" ADD CONSTRAINT "filiation_not_own_parent"
  CHECK ("mother_idcs" IS DISTINCT FROM "child_idcs" AND "father_idcs" IS DISTINCT FROM "child_idcs");

-- Hand-written: the rules as shipped. A change in the law is a new row with its effective date; a
-- fact dated before a rule's first row is checked against that first row.
INSERT INTO "civil_rule" ("name", "effective_from", "value", "source") VALUES
  ('MAX_MARRIAGES_IN_FORCE_HUSBAND', '2004-02-05', 4,
   'Family Code (Dahir 1-04-22, law 70-03) art. 39: a fifth marriage while four are in force is a temporary impediment; polygamy also needs a judge''s authorisation (arts. 40-46), checked before the act is drawn up'),
  ('MAX_MARRIAGES_IN_FORCE_WIFE', '2004-02-05', 1,
   'Family Code art. 39: a woman bound by a marriage in force (or in her waiting period) may not marry'),
  ('MIN_PARENT_AGE_YEARS', '1900-01-01', 12,
   'Sources silent: a data-quality floor, a parent is at least 12 years older than the child (refuses swapped or mistyped birth dates)'),
  ('MAX_POSTHUMOUS_BIRTH_DAYS', '2004-02-05', 365,
   'Family Code art. 154: the longest pregnancy is one year from the separation; a father may have died up to 365 days before the birth'),
  ('WARD_MAX_AGE_YEARS', '2004-02-05', 18,
   'Custody and kafala are of a minor: Family Code art. 166 (custody lasts until majority) and Dahir 1-02-172 (law 15-01) art. 1 (kafala of an abandoned child under 18); legal guardianship may be of an adult (Family Code arts. 211-228)'),
  ('MIN_GUARDIAN_AGE_YEARS', '2004-02-05', 18,
   'Family Code art. 209 (majority at 18); Dahir 1-02-172 art. 9 (the kafil is of age)');
