-- AMO life cycle (issue 19): Achamil rights wait for the first contribution, notices before a
-- suspension, reactions to other registers' events, rules and settings as data.

-- AlterTable
ALTER TABLE "affiliation" ALTER COLUMN "rights_from" DROP NOT NULL;
ALTER TABLE "affiliation" ADD COLUMN "suspended_by_notice_id" UUID;

-- CreateEnum
CREATE TYPE "NoticeKind" AS ENUM ('SUSPENSION', 'CLOSURE', 'REDUCTION');

-- CreateEnum
CREATE TYPE "NoticeStatus" AS ENUM ('PENDING', 'CANCELLED', 'APPLIED');

-- CreateTable
CREATE TABLE "notice" (
    "id" UUID NOT NULL,
    "affiliation_id" UUID NOT NULL,
    "household_id" UUID,
    "principal_idcs" CHAR(10) NOT NULL,
    "region_code" CHAR(2) NOT NULL,
    "kind" "NoticeKind" NOT NULL,
    "reason" TEXT NOT NULL,
    "effective_on" DATE NOT NULL,
    "status" "NoticeStatus" NOT NULL DEFAULT 'PENDING',
    "contest" TEXT NOT NULL,
    "cause_event_id" UUID,
    "cause" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "settled_at" TIMESTAMPTZ(3),
    "outcome" TEXT,

    CONSTRAINT "notice_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "event_reaction" (
    "id" UUID NOT NULL,
    "event_id" UUID NOT NULL,
    "event_type" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "detail" JSONB NOT NULL DEFAULT '{}',
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "event_reaction_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "achamil_contribution" (
    "id" UUID NOT NULL,
    "affiliation_id" UUID NOT NULL,
    "month" CHAR(7) NOT NULL,
    "paid_on" DATE NOT NULL,
    "amount_centimes" INTEGER NOT NULL,
    "recorded_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "achamil_contribution_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "amo_rule" (
    "effective_from" DATE NOT NULL,
    "rules" JSONB NOT NULL,
    "source" TEXT NOT NULL,

    CONSTRAINT "amo_rule_pkey" PRIMARY KEY ("effective_from")
);

-- CreateTable
CREATE TABLE "programme_setting" (
    "name" TEXT NOT NULL,
    "value" INTEGER NOT NULL,
    "description" TEXT NOT NULL,

    CONSTRAINT "programme_setting_pkey" PRIMARY KEY ("name")
);

-- CreateIndex
CREATE INDEX "notice_status_effective_on_idx" ON "notice"("status", "effective_on");

-- CreateIndex
CREATE INDEX "notice_affiliation_id_idx" ON "notice"("affiliation_id");

-- One pending notice of a kind per affiliation: a redelivered or repeated crossing adds none.
CREATE UNIQUE INDEX "notice_one_pending_per_affiliation" ON "notice"("affiliation_id", "kind") WHERE "status" = 'PENDING';

-- CreateIndex
CREATE INDEX "event_reaction_event_id_idx" ON "event_reaction"("event_id");

-- CreateIndex
CREATE INDEX "event_reaction_at_idx" ON "event_reaction"("at");

-- CreateIndex
CREATE UNIQUE INDEX "achamil_contribution_affiliation_id_month_key" ON "achamil_contribution"("affiliation_id", "month");

-- AddForeignKey
ALTER TABLE "notice" ADD CONSTRAINT "notice_affiliation_id_fkey" FOREIGN KEY ("affiliation_id") REFERENCES "affiliation"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "achamil_contribution" ADD CONSTRAINT "achamil_contribution_affiliation_id_fkey" FOREIGN KEY ("affiliation_id") REFERENCES "affiliation"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
