-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "Sex" AS ENUM ('MALE', 'FEMALE');

-- CreateEnum
CREATE TYPE "ResidencyStatus" AS ENUM ('CITIZEN', 'FOREIGN_RESIDENT');

-- CreateEnum
CREATE TYPE "Milieu" AS ENUM ('URBAN', 'RURAL');

-- CreateEnum
CREATE TYPE "LifeStatus" AS ENUM ('ALIVE', 'DECEASED');

-- CreateTable
CREATE TABLE "person" (
    "idcs" CHAR(10) NOT NULL,
    "cin" VARCHAR(10),
    "first_name" TEXT NOT NULL,
    "last_name" TEXT NOT NULL,
    "first_name_ar" TEXT NOT NULL,
    "last_name_ar" TEXT NOT NULL,
    "name_key" TEXT NOT NULL,
    "sex" "Sex" NOT NULL,
    "birth_date" DATE NOT NULL,
    "birth_place" TEXT NOT NULL,
    "nationality" CHAR(3) NOT NULL,
    "residency_status" "ResidencyStatus" NOT NULL,
    "region_code" CHAR(2) NOT NULL,
    "province" TEXT NOT NULL,
    "commune" TEXT NOT NULL,
    "milieu" "Milieu" NOT NULL,
    "phone" VARCHAR(16),
    "life_status" "LifeStatus" NOT NULL DEFAULT 'ALIVE',
    "date_of_death" DATE,
    "registered_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "registration_centre" TEXT NOT NULL,
    "legal_representative_idcs" CHAR(10),

    CONSTRAINT "person_pkey" PRIMARY KEY ("idcs")
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
CREATE UNIQUE INDEX "person_cin_key" ON "person"("cin");

-- CreateIndex
CREATE INDEX "person_region_code_life_status_idx" ON "person"("region_code", "life_status");

-- CreateIndex
CREATE INDEX "person_birth_date_name_key_idx" ON "person"("birth_date", "name_key");

-- CreateIndex
CREATE INDEX "person_legal_representative_idcs_idx" ON "person"("legal_representative_idcs");

-- AddForeignKey
ALTER TABLE "person" ADD CONSTRAINT "person_legal_representative_idcs_fkey" FOREIGN KEY ("legal_representative_idcs") REFERENCES "person"("idcs") ON DELETE SET NULL ON UPDATE CASCADE;


-- Hand-written: prefix search on names ("name_key LIKE 'ben%'") needs a pattern-ops B-tree index.
CREATE INDEX "person_name_key_prefix_idx" ON "person"("name_key" text_pattern_ops);
