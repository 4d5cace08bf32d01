import type { PrismaClient } from "@pothos/plugin-prisma";
import { needs } from "../access/access-rules.js";
import type { SuppressionReason } from "../disclosure/types.js";
import type { RequestContext } from "../server/subgraph-server.js";
import type { AnswerCell } from "../statistics/answer.js";
import type { SubgraphSchemaTypes } from "../subgraph/subgraph-builder.js";

/** Why a value of a statistic is hidden, as the schema says it. */
const REASONS: Record<SuppressionReason, string> = {
  SMALL_COUNT: "A count from 1 to the threshold minus 1, or a sum over that few contributors",
  COMPLEMENT: "A count whose complement (the count it is part of, minus this one) is a small count",
  DOMINANCE: "A sum dominated by one or two contributors (p% rule)",
  SECONDARY: "Safe on its own, hidden so that another hidden value cannot be recomputed from the totals",
};

/** A field of a statistics cell, named so that the function's type is portable. */
type CellField<Context extends object, Types extends {}> = PothosSchemaTypes.FieldRef<
  PothosSchemaTypes.ExtendDefaultTypes<SubgraphSchemaTypes<Context, Types>>,
  unknown,
  "Object"
>;

/**
 * The types every register's statistics share (`Suppression`, `SuppressionReason`), added to a
 * register's builder by this one function: federation composes a value type served by several
 * registers only if it is the same everywhere (and `@shareable`), so it is written once here.
 */
export function statisticsTypes<Context extends RequestContext & { prisma: PrismaClient }, Types extends {}>(
  builder: PothosSchemaTypes.SchemaBuilder<PothosSchemaTypes.ExtendDefaultTypes<SubgraphSchemaTypes<Context, Types>>>,
) {
  const SuppressionReasonEnum = builder.enumType("SuppressionReason", {
    description: "Why a value of a statistic is not published",
    values: Object.fromEntries(Object.entries(REASONS).map(([name, description]) => [name, { description }])) as {
      [R in SuppressionReason]: { description: string };
    },
  });
  const Suppression = builder.objectRef<{ measure: string; reason: SuppressionReason }>("Suppression").implement({
    description: "A measure of a statistics cell that is not published (null), and why",
    shareable: true,
    fields: (t) => ({
      measure: t.exposeString("measure", {
        ...needs("stats:read"),
        description: "The name of the hidden field of the cell",
      }),
      reason: t.field({
        type: SuppressionReasonEnum,
        ...needs("stats:read"),
        resolve: (suppression) => suppression.reason,
      }),
    }),
  });
  /**
   * The fields every statistics cell has beside its dimensions and measures: whether it is a
   * total, what it hides and why, and its as-of time. `measures` bounds the hidden list for cost.
   */
  const cellFields = (
    t: PothosSchemaTypes.ObjectFieldBuilder<
      PothosSchemaTypes.ExtendDefaultTypes<SubgraphSchemaTypes<Context, Types>>,
      AnswerCell
    >,
    measures: number,
  ): Record<"isTotal" | "suppressed" | "computedAt", CellField<Context, Types>> => ({
    isTotal: t.boolean({
      ...needs("stats:read"),
      description: "A total over at least one requested dimension (those dimensions are null)",
      resolve: (c) => c.isTotal,
    }),
    suppressed: t.field({
      type: [Suppression],
      // At most one entry per measure of the cell.
      listSize: { assumedSize: measures },
      ...needs("stats:read"),
      description: "The measures of this cell that are not published, and why",
      resolve: (c) => c.suppressed,
    }),
    computedAt: t.field({
      type: "DateTime",
      ...needs("stats:read"),
      description: "When the snapshot this answer is cut from was computed (the as-of time)",
      resolve: (c) => c.computedAt,
    }),
  });
  return { Suppression, SuppressionReasonEnum, cellFields };
}
