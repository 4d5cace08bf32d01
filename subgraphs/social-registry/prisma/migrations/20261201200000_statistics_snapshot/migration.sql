-- Statistics snapshots: each statistic's whole lattice (every combination of its dimensions'
-- categories and totals), refreshed on a schedule; requests are answered from here, never by
-- scanning the register (see @spx/runtime/statistics).
CREATE TABLE "statistics_snapshot" (
    "name" TEXT NOT NULL,
    "computed_at" TIMESTAMPTZ NOT NULL,
    "cells" JSONB NOT NULL,

    CONSTRAINT "statistics_snapshot_pkey" PRIMARY KEY ("name")
);

-- The two largest values of a group, largest first ({0,0} when none): what the dominance rule of a
-- sum needs for every cell of a lattice, computed in the same GROUPING SETS statement.
CREATE FUNCTION "statistics_top2_step"(state BIGINT[], value BIGINT) RETURNS BIGINT[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN value IS NULL OR value <= state[2] THEN state
    WHEN value > state[1] THEN ARRAY[value, state[1]]
    ELSE ARRAY[state[1], value]
  END
$$;

CREATE AGGREGATE "statistics_top2"(BIGINT) (SFUNC = "statistics_top2_step", STYPE = BIGINT[], INITCOND = '{0,0}');
