-- Statistics snapshots: each statistic's whole lattice (every combination of its dimensions'
-- categories and totals), refreshed on a schedule; requests are answered from here, never by
-- scanning the register (see @spx/runtime/statistics).
CREATE TABLE "statistics_snapshot" (
    "name" TEXT NOT NULL,
    "computed_at" TIMESTAMPTZ NOT NULL,
    "cells" JSONB NOT NULL,

    CONSTRAINT "statistics_snapshot_pkey" PRIMARY KEY ("name")
);
