-- AlterTable
ALTER TABLE "application" ADD COLUMN     "head_idcs" CHAR(10) NOT NULL,
ADD COLUMN     "region_code" CHAR(2) NOT NULL;

-- AlterTable
ALTER TABLE "enrolment" ADD COLUMN     "head_idcs" CHAR(10) NOT NULL;

-- AlterTable
ALTER TABLE "payment_order" ADD COLUMN     "beneficiary_idcs" CHAR(10) NOT NULL;

-- CreateIndex
CREATE INDEX "payment_order_institution_month_id_idx" ON "payment_order"("institution", "month", "id");

-- CreateIndex
CREATE INDEX "payment_order_beneficiary_idcs_month_idx" ON "payment_order"("beneficiary_idcs", "month");

