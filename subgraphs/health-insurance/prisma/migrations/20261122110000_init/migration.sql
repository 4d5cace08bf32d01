-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "Regime" AS ENUM ('AMO_TADAMON', 'AMO_SALARIED', 'AMO_TNS', 'AMO_ACHAMIL');

-- CreateEnum
CREATE TYPE "Payer" AS ENUM ('STATE', 'EMPLOYER', 'SELF');

-- CreateEnum
CREATE TYPE "AffiliationStatus" AS ENUM ('PENDING', 'ACTIVE', 'SUSPENDED', 'CLOSED');

-- CreateEnum
CREATE TYPE "CoverageRole" AS ENUM ('PRINCIPAL', 'DEPENDANT');

-- CreateTable
CREATE TABLE "affiliation" (
    "id" UUID NOT NULL,
    "principal_idcs" CHAR(10) NOT NULL,
    "regime" "Regime" NOT NULL,
    "payer" "Payer" NOT NULL,
    "status" "AffiliationStatus" NOT NULL,
    "status_reason" TEXT,
    "region_code" CHAR(2) NOT NULL,
    "household_id" UUID,
    "score_used" DECIMAL(12,7),
    "model_version_used" TEXT,
    "opened_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "rights_from" DATE NOT NULL,
    "status_changed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "affiliation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "coverage" (
    "id" UUID NOT NULL,
    "affiliation_id" UUID NOT NULL,
    "person_idcs" CHAR(10) NOT NULL,
    "role" "CoverageRole" NOT NULL,
    "dependant_kind" TEXT,
    "since" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "until" TIMESTAMPTZ(3),
    "end_reason" TEXT,

    CONSTRAINT "coverage_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "idempotency_record" (
    "scope" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "operation" TEXT NOT NULL,
    "request_hash" CHAR(64) NOT NULL,
    "result" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "idempotency_record_pkey" PRIMARY KEY ("scope","key")
);

-- CreateIndex
CREATE INDEX "affiliation_principal_idcs_idx" ON "affiliation"("principal_idcs");

-- CreateIndex
CREATE INDEX "affiliation_household_id_regime_idx" ON "affiliation"("household_id", "regime");

-- CreateIndex
CREATE INDEX "affiliation_regime_status_region_code_idx" ON "affiliation"("regime", "status", "region_code");

-- CreateIndex
CREATE INDEX "coverage_person_idcs_idx" ON "coverage"("person_idcs");

-- CreateIndex
CREATE INDEX "coverage_affiliation_id_idx" ON "coverage"("affiliation_id");

-- AddForeignKey
ALTER TABLE "coverage" ADD CONSTRAINT "coverage_affiliation_id_fkey" FOREIGN KEY ("affiliation_id") REFERENCES "affiliation"("id") ON DELETE RESTRICT ON UPDATE CASCADE;


-- Hand-written: a person is covered by at most one affiliation at a time.
CREATE UNIQUE INDEX "coverage_one_active_per_person" ON "coverage"("person_idcs") WHERE "until" IS NULL;
