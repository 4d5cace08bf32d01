-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "Milieu" AS ENUM ('URBAN', 'RURAL');

-- CreateEnum
CREATE TYPE "Relationship" AS ENUM ('HEAD', 'SPOUSE', 'CHILD', 'PARENT', 'OTHER_RELATIVE', 'OTHER');

-- CreateEnum
CREATE TYPE "HouseholdStatus" AS ENUM ('ACTIVE', 'DISSOLVED');

-- CreateEnum
CREATE TYPE "RevisionStatus" AS ENUM ('OPEN', 'ACCEPTED', 'REJECTED');

-- CreateTable
CREATE TABLE "household" (
    "id" UUID NOT NULL,
    "region_code" CHAR(2) NOT NULL,
    "province" TEXT NOT NULL,
    "commune" TEXT NOT NULL,
    "milieu" "Milieu" NOT NULL,
    "status" "HouseholdStatus" NOT NULL DEFAULT 'ACTIVE',
    "registered_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "household_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "membership" (
    "id" UUID NOT NULL,
    "household_id" UUID NOT NULL,
    "person_idcs" CHAR(10) NOT NULL,
    "relationship" "Relationship" NOT NULL,
    "since" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "until" TIMESTAMPTZ(3),

    CONSTRAINT "membership_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "declaration" (
    "id" UUID NOT NULL,
    "household_id" UUID NOT NULL,
    "version" INTEGER NOT NULL,
    "declared_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "declared_by" TEXT NOT NULL,
    "housing_type" TEXT NOT NULL,
    "rooms" INTEGER NOT NULL,
    "occupancy" TEXT NOT NULL,
    "water_connected" BOOLEAN NOT NULL,
    "electricity_connected" BOOLEAN NOT NULL,
    "electricity_spending" INTEGER NOT NULL,
    "water_spending" INTEGER NOT NULL,
    "telephone_spending" INTEGER NOT NULL,
    "gas_spending" INTEGER NOT NULL,
    "durable_goods" TEXT[],
    "livestock_heads" INTEGER NOT NULL,
    "land_hectares" DECIMAL(10,2) NOT NULL,
    "member_details" JSONB NOT NULL,
    "verification" JSONB NOT NULL,

    CONSTRAINT "declaration_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "index_computation" (
    "id" UUID NOT NULL,
    "household_id" UUID NOT NULL,
    "declaration_version" INTEGER NOT NULL,
    "model_version" TEXT NOT NULL,
    "score" DECIMAL(12,7) NOT NULL,
    "computed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "inputs" JSONB NOT NULL,
    "contributions" JSONB NOT NULL,
    "current" BOOLEAN NOT NULL DEFAULT true,

    CONSTRAINT "index_computation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "index_model_version" (
    "version" TEXT NOT NULL,
    "milieu" "Milieu" NOT NULL,
    "effective_from" DATE NOT NULL,
    "definition" JSONB NOT NULL,

    CONSTRAINT "index_model_version_pkey" PRIMARY KEY ("version","milieu")
);

-- CreateTable
CREATE TABLE "program_threshold" (
    "program" TEXT NOT NULL,
    "effective_from" DATE NOT NULL,
    "threshold" DECIMAL(12,7) NOT NULL,
    "comparison" TEXT NOT NULL,

    CONSTRAINT "program_threshold_pkey" PRIMARY KEY ("program","effective_from")
);

-- CreateTable
CREATE TABLE "reference_administrative_record" (
    "source" TEXT NOT NULL,
    "person_idcs" CHAR(10) NOT NULL,
    "item" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "as_of" DATE NOT NULL,

    CONSTRAINT "reference_administrative_record_pkey" PRIMARY KEY ("source","person_idcs","item")
);

-- CreateTable
CREATE TABLE "revision_request" (
    "id" UUID NOT NULL,
    "household_id" UUID NOT NULL,
    "region_code" CHAR(2) NOT NULL,
    "reason" TEXT NOT NULL,
    "requested_by" TEXT NOT NULL,
    "requested_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "due_at" TIMESTAMPTZ(3) NOT NULL,
    "status" "RevisionStatus" NOT NULL DEFAULT 'OPEN',
    "outcome_note" TEXT,
    "resolved_by" TEXT,
    "resolved_at" TIMESTAMPTZ(3),

    CONSTRAINT "revision_request_pkey" PRIMARY KEY ("id")
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
CREATE INDEX "household_region_code_milieu_idx" ON "household"("region_code", "milieu");

-- CreateIndex
CREATE INDEX "membership_household_id_idx" ON "membership"("household_id");

-- CreateIndex
CREATE INDEX "membership_person_idcs_idx" ON "membership"("person_idcs");

-- CreateIndex
CREATE UNIQUE INDEX "declaration_household_id_version_key" ON "declaration"("household_id", "version");

-- CreateIndex
CREATE INDEX "index_computation_household_id_computed_at_idx" ON "index_computation"("household_id", "computed_at");

-- CreateIndex
CREATE INDEX "index_computation_current_score_idx" ON "index_computation"("current", "score");

-- CreateIndex
CREATE INDEX "revision_request_region_code_status_due_at_idx" ON "revision_request"("region_code", "status", "due_at");

-- AddForeignKey
ALTER TABLE "membership" ADD CONSTRAINT "membership_household_id_fkey" FOREIGN KEY ("household_id") REFERENCES "household"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "declaration" ADD CONSTRAINT "declaration_household_id_fkey" FOREIGN KEY ("household_id") REFERENCES "household"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "index_computation" ADD CONSTRAINT "index_computation_household_id_fkey" FOREIGN KEY ("household_id") REFERENCES "household"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "revision_request" ADD CONSTRAINT "revision_request_household_id_fkey" FOREIGN KEY ("household_id") REFERENCES "household"("id") ON DELETE RESTRICT ON UPDATE CASCADE;


-- Hand-written: a person belongs to at most one household at a time.
CREATE UNIQUE INDEX "membership_one_active_household" ON "membership"("person_idcs") WHERE "until" IS NULL;
-- Hand-written: one index computation in force per household.
CREATE UNIQUE INDEX "index_computation_one_current" ON "index_computation"("household_id") WHERE "current";
