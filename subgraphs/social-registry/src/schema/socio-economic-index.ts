import type { IndexComputation } from "../../generated/prisma/index.js";
import { builder } from "../builder.js";
import type { Context } from "../context.js";
import { explainEligibility } from "../domain/explanation.js";
import type { Contribution } from "../domain/index-model.js";
import { isEligible, type Program, thresholdOn } from "../domain/thresholds.js";
import { Household } from "./household.js";

export const ProgramEnum = builder.enumType("Program", {
  values: ["AMO_TADAMON", "DIRECT_AID", "AMO_ACHAMIL"] as const,
});

const ContributionRef = builder.objectRef<Contribution>("IndexContribution").implement({
  description: "What one variable adds to (or takes from) the score",
  fields: (t) => ({
    variable: t.exposeString("variable"),
    label: t.exposeString("label", { description: "The variable in plain words" }),
    value: t.exposeFloat("value", { description: "The variable's value for this household" }),
    contribution: t.exposeFloat("contribution", { description: "coefficient × value" }),
  }),
});

const SocioEconomicIndex = builder.prismaObject("IndexComputation", {
  name: "SocioEconomicIndex",
  description: "A computation of the household's socio-economic index (predicted log consumption per person)",
  fields: (t) => ({
    score: t.field({ type: "Decimal7", resolve: (c) => c.score.toFixed(7) }),
    modelVersion: t.exposeString("modelVersion"),
    declarationVersion: t.exposeInt("declarationVersion"),
    computedAt: t.expose("computedAt", { type: "DateTime" }),
    current: t.exposeBoolean("current"),
    contributions: t.field({ type: [ContributionRef], resolve: (c) => c.contributions as unknown as Contribution[] }),
  }),
});

interface EligibilityShape {
  program: Program;
  eligible: boolean;
  threshold: string;
  scoreUsed: string;
  modelVersion: string;
  decidedAt: Date;
}

const ProgramEligibility = builder.objectRef<EligibilityShape>("ProgramEligibility").implement({
  fields: (t) => ({
    program: t.expose("program", { type: ProgramEnum }),
    eligible: t.exposeBoolean("eligible"),
    threshold: t.expose("threshold", { type: "Decimal7" }),
    scoreUsed: t.expose("scoreUsed", { type: "Decimal7" }),
    modelVersion: t.exposeString("modelVersion"),
    decidedAt: t.expose("decidedAt", { type: "DateTime" }),
  }),
});

const ExplanationFactor = builder
  .objectRef<{ label: string; contribution: number; direction: "RAISES" | "LOWERS" }>("ExplanationFactor")
  .implement({
    fields: (t) => ({
      label: t.exposeString("label"),
      contribution: t.exposeFloat("contribution"),
      direction: t.exposeString("direction", { description: "RAISES or LOWERS the index" }),
    }),
  });

const EligibilityExplanation = builder
  .objectRef<ReturnType<typeof explainEligibility>>("EligibilityExplanation")
  .implement({
    description: "Why the household is or is not eligible, in words a case worker can read to a citizen",
    fields: (t) => ({
      program: t.expose("program", { type: ProgramEnum }),
      eligible: t.exposeBoolean("eligible"),
      score: t.expose("score", { type: "Decimal7" }),
      threshold: t.expose("threshold", { type: "Decimal7" }),
      distance: t.expose("distance", { type: "Decimal7", description: "score − threshold" }),
      summary: t.exposeString("summary"),
      factors: t.field({ type: [ExplanationFactor], resolve: (e) => e.factors }),
    }),
  });

const PROGRAMS: Program[] = ["AMO_TADAMON", "DIRECT_AID", "AMO_ACHAMIL"];

/** Decisions for every programme from the index in force and today's thresholds. */
export function eligibilityOf(context: Context, index: IndexComputation, on = new Date()): EligibilityShape[] {
  const score = index.score.toFixed(7);
  return PROGRAMS.flatMap((program) => {
    const rule = thresholdOn(context.data.thresholds, program, on);
    if (!rule) {
      return [];
    }
    const ruleDay = new Date(`${rule.effectiveFrom}T00:00:00Z`);
    return [
      {
        program,
        eligible: isEligible(score, rule),
        threshold: rule.threshold,
        scoreUsed: score,
        modelVersion: index.modelVersion,
        decidedAt: index.computedAt > ruleDay ? index.computedAt : ruleDay,
      },
    ];
  });
}

builder.prismaObjectFields(Household, (t) => ({
  socioEconomicIndex: t.field({
    type: SocioEconomicIndex,
    nullable: true,
    description: "The index in force, from the latest declaration",
    resolve: (household, _args, context) => context.loaders.currentIndex.load(household.id),
  }),
  indexHistory: t.field({
    type: [SocioEconomicIndex],
    description: "Every computation, newest first",
    resolve: (household, _args, context) =>
      context.prisma.indexComputation.findMany({
        where: { householdId: household.id },
        orderBy: [{ computedAt: "desc" }, { declarationVersion: "desc" }],
      }),
  }),
  eligibility: t.field({
    type: [ProgramEligibility],
    description: "Eligibility for each programme, from the index in force; empty until a declaration is scored",
    resolve: async (household, _args, context) => {
      const index = await context.loaders.currentIndex.load(household.id);
      return index ? eligibilityOf(context, index) : [];
    },
  }),
  eligibilityExplanation: t.field({
    type: EligibilityExplanation,
    nullable: true,
    args: { program: t.arg({ type: ProgramEnum, required: true }) },
    resolve: async (household, { program }, context) => {
      const index = await context.loaders.currentIndex.load(household.id);
      const rule = thresholdOn(context.data.thresholds, program, new Date());
      if (!index || !rule) {
        return null;
      }
      return explainEligibility(
        program,
        { score: index.score.toFixed(7), contributions: index.contributions as unknown as Contribution[] },
        rule,
      );
    },
  }),
}));
