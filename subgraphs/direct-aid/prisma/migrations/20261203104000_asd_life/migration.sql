-- Issue 19: rules as data with effective dates, appeals decided with arrears, payees in the
-- decree's order, notices before a suspension, and the reactions to other registers' events.

-- CreateEnum
CREATE TYPE "NoticeKind" AS ENUM ('SUSPENSION', 'CLOSURE', 'REDUCTION');

-- CreateEnum
CREATE TYPE "NoticeStatus" AS ENUM ('PENDING', 'CANCELLED', 'APPLIED');

-- The programme's rules and settings beyond the yearly amounts, each from the day it takes effect.
CREATE TABLE "aid_rule" (
    "name" TEXT NOT NULL,
    "effective_from" DATE NOT NULL,
    "value" JSONB NOT NULL,
    "source" TEXT NOT NULL,

    CONSTRAINT "aid_rule_pkey" PRIMARY KEY ("name","effective_from")
);

-- The institution asked for, so that an accepted appeal can enrol the household.
ALTER TABLE "application" ADD COLUMN "payment_institution" TEXT;

-- An appeal's answer deadline, and its decision: by whom (a token subject, never a name) and why.
ALTER TABLE "appeal" ADD COLUMN "answer_due" TIMESTAMPTZ(3),
ADD COLUMN "decided_at" TIMESTAMPTZ(3),
ADD COLUMN "decided_by" TEXT,
ADD COLUMN "decision_reasons" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[];
UPDATE "appeal" SET "answer_due" = "filed_at" + INTERVAL '30 days' WHERE "answer_due" IS NULL;
ALTER TABLE "appeal" ALTER COLUMN "answer_due" SET NOT NULL;

-- Who is paid (the decree's order) and on what basis; arrears owed since a refusal an appeal
-- overturned; the notice that suspended the enrolment; when and why it ended.
ALTER TABLE "enrolment" ADD COLUMN "payee_idcs" CHAR(10),
ADD COLUMN "payee_basis" TEXT,
ADD COLUMN "arrears_from" CHAR(7),
ADD COLUMN "arrears_appeal_id" UUID,
ADD COLUMN "suspended_by_notice" UUID,
ADD COLUMN "ended_on" DATE,
ADD COLUMN "status_reason" TEXT;

ALTER TABLE "payment_order" ADD COLUMN "beneficiary_basis" TEXT;

-- One arrears month per household, ever: a retried or repeated run cannot pay it twice.
CREATE TABLE "arrears_payment" (
    "household_id" UUID NOT NULL,
    "month" CHAR(7) NOT NULL,
    "appeal_id" UUID NOT NULL,
    "order_id" UUID NOT NULL,
    "amount" INTEGER NOT NULL,

    CONSTRAINT "arrears_payment_pkey" PRIMARY KEY ("household_id","month")
);

-- Notices of an adverse decision, before it takes effect.
CREATE TABLE "aid_notice" (
    "id" UUID NOT NULL,
    "household_id" UUID NOT NULL,
    "region_code" CHAR(2) NOT NULL,
    "head_idcs" CHAR(10) NOT NULL,
    "payee_idcs" CHAR(10),
    "kind" "NoticeKind" NOT NULL,
    "reason" TEXT NOT NULL,
    "effective_on" DATE NOT NULL,
    "status" "NoticeStatus" NOT NULL DEFAULT 'PENDING',
    "contest" TEXT NOT NULL,
    "cause_event_id" UUID,
    "cause" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "closed_at" TIMESTAMPTZ(3),
    "outcome" TEXT,

    CONSTRAINT "aid_notice_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "aid_notice_household_id_created_at_idx" ON "aid_notice"("household_id", "created_at");
CREATE INDEX "aid_notice_status_effective_on_idx" ON "aid_notice"("status", "effective_on");
CREATE INDEX "aid_notice_head_idcs_idx" ON "aid_notice"("head_idcs");
CREATE INDEX "aid_notice_payee_idcs_idx" ON "aid_notice"("payee_idcs");

-- What this register did in answer to another register's event, with the event that caused it.
CREATE TABLE "event_reaction" (
    "id" UUID NOT NULL,
    "event_id" UUID NOT NULL,
    "event_type" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "detail" JSONB NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "event_reaction_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "event_reaction_event_id_idx" ON "event_reaction"("event_id");
CREATE INDEX "event_reaction_at_idx" ON "event_reaction"("at");
