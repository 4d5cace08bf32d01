-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "ApplicationStatus" AS ENUM ('ACCEPTED', 'REFUSED');

-- CreateEnum
CREATE TYPE "AppealStatus" AS ENUM ('OPEN', 'UPHELD', 'DISMISSED');

-- CreateEnum
CREATE TYPE "EnrolmentStatus" AS ENUM ('ACTIVE', 'SUSPENDED', 'ENDED');

-- CreateEnum
CREATE TYPE "OrderStatus" AS ENUM ('ISSUED', 'PAID', 'FAILED', 'RETURNED');

-- CreateTable
CREATE TABLE "application" (
    "id" UUID NOT NULL,
    "household_id" UUID NOT NULL,
    "status" "ApplicationStatus" NOT NULL,
    "reasons" TEXT[],
    "score_used" DECIMAL(12,7),
    "other_family_allowance" BOOLEAN NOT NULL,
    "decided_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "appeal_deadline" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "application_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "appeal" (
    "id" UUID NOT NULL,
    "application_id" UUID NOT NULL,
    "reason" TEXT NOT NULL,
    "filed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "status" "AppealStatus" NOT NULL DEFAULT 'OPEN',

    CONSTRAINT "appeal_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "enrolment" (
    "household_id" UUID NOT NULL,
    "status" "EnrolmentStatus" NOT NULL,
    "region_code" CHAR(2) NOT NULL,
    "institution" TEXT NOT NULL,
    "since" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "entitlement" INTEGER NOT NULL,
    "entitlement_components" JSONB NOT NULL,
    "children" INTEGER NOT NULL,
    "computed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "enrolment_pkey" PRIMARY KEY ("household_id")
);

-- CreateTable
CREATE TABLE "entitlement_schedule" (
    "year" INTEGER NOT NULL,
    "rules" JSONB NOT NULL,

    CONSTRAINT "entitlement_schedule_pkey" PRIMARY KEY ("year")
);

-- CreateTable
CREATE TABLE "payment_order" (
    "id" UUID NOT NULL,
    "household_id" UUID NOT NULL,
    "month" CHAR(7) NOT NULL,
    "amount" INTEGER NOT NULL,
    "components" JSONB NOT NULL,
    "children" INTEGER NOT NULL,
    "region_code" CHAR(2) NOT NULL,
    "institution" TEXT NOT NULL,
    "status" "OrderStatus" NOT NULL DEFAULT 'ISSUED',
    "reference" TEXT,
    "issued_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "outcome_at" TIMESTAMPTZ(3),

    CONSTRAINT "payment_order_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "payment_skip" (
    "household_id" UUID NOT NULL,
    "month" CHAR(7) NOT NULL,
    "reason" TEXT NOT NULL,
    "decided_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "payment_skip_pkey" PRIMARY KEY ("household_id","month")
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
CREATE INDEX "application_household_id_decided_at_idx" ON "application"("household_id", "decided_at");

-- CreateIndex
CREATE UNIQUE INDEX "appeal_application_id_key" ON "appeal"("application_id");

-- CreateIndex
CREATE INDEX "enrolment_status_household_id_idx" ON "enrolment"("status", "household_id");

-- CreateIndex
CREATE INDEX "payment_order_month_institution_idx" ON "payment_order"("month", "institution");

-- CreateIndex
CREATE UNIQUE INDEX "payment_order_household_id_month_key" ON "payment_order"("household_id", "month");

-- AddForeignKey
ALTER TABLE "appeal" ADD CONSTRAINT "appeal_application_id_fkey" FOREIGN KEY ("application_id") REFERENCES "application"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

