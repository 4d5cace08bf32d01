import { isEligible, type Program, thresholdOn } from "@spx/reference/thresholds";
import { HISTORY, needs, PARTS, PER_PROGRAMME } from "@spx/runtime/access";
import type { IndexComputation } from "../../generated/prisma/index.js";
import type { Context } from "../context.js";
import { explainEligibility } from "../domain/explanation.js";
import type { Contribution } from "../domain/index-model.js";
import { builder } from "./builder.js";
import { Household } from "./household.js";

export const ProgramEnum = builder.enumType("Program", {
  values: ["AMO_TADAMON", "DIRECT_AID", "AMO_ACHAMIL"] as const,
});

const ContributionRef = builder.objectRef<Contribution>("IndexContribution").implement({
  description: "What one variable adds to (or takes from) the score",
  fields: (t) => ({
    variable: t.exposeString("variable", needs("social:index")),
    label: t.exposeString("label", { ...needs("social:index"), description: "The variable in plain words" }),
    value: t.exposeFloat("value", {
      ...needs("social:index"),
      description: "The variable's value for this household",
    }),
    contribution: t.exposeFloat("contribution", { ...needs("social:index"), description: "coefficient × value" }),
  }),
});

const SocioEconomicIndex = builder.prismaObject("IndexComputation", {
  name: "SocioEconomicIndex",
  description: "A computation of the household's socio-economic index (predicted log consumption per person)",
  fields: (t) => ({
    score: t.field({ type: "Decimal7", ...needs("social:index"), resolve: (c) => c.score.toFixed(7) }),
    modelVersion: t.exposeString("modelVersion", needs("social:index")),
    declarationVersion: t.exposeInt("declarationVersion", needs("social:index")),
    computedAt: t.expose("computedAt", { type: "DateTime", ...needs("social:index") }),
    current: t.exposeBoolean("current", needs("social:index")),
    contributions: t.field({
      type: [ContributionRef],
      ...needs("social:index"),
      // One per term of the model, plus the constant and the region: about forty today.
      listSize: { assumedSize: 50 },
      resolve: (c) => c.contributions as unknown as Contribution[],
    }),
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
    program: t.expose("program", { type: ProgramEnum, ...needs("social:eligibility") }),
    eligible: t.exposeBoolean("eligible", needs("social:eligibility")),
    threshold: t.expose("threshold", { type: "Decimal7", ...needs("social:eligibility") }),
    // The score itself is the index, which eligibility alone does not reveal.
    scoreUsed: t.expose("scoreUsed", { type: "Decimal7", ...needs("social:index") }),
    modelVersion: t.exposeString("modelVersion", needs("social:eligibility")),
    decidedAt: t.expose("decidedAt", { type: "DateTime", ...needs("social:eligibility") }),
  }),
});

const ExplanationFactor = builder
  .objectRef<{ label: string; contribution: number; direction: "RAISES" | "LOWERS" }>("ExplanationFactor")
  .implement({
    fields: (t) => ({
      label: t.exposeString("label", needs("social:index")),
      contribution: t.exposeFloat("contribution", needs("social:index")),
      direction: t.exposeString("direction", { ...needs("social:index"), description: "RAISES or LOWERS the index" }),
    }),
  });

const EligibilityExplanation = builder
  .objectRef<ReturnType<typeof explainEligibility>>("EligibilityExplanation")
  .implement({
    description: "Why the household is or is not eligible, in words a case worker can read to a citizen",
    fields: (t) => ({
      program: t.expose("program", { type: ProgramEnum, ...needs("social:index") }),
      eligible: t.exposeBoolean("eligible", needs("social:index")),
      score: t.expose("score", { type: "Decimal7", ...needs("social:index") }),
      threshold: t.expose("threshold", { type: "Decimal7", ...needs("social:index") }),
      distance: t.expose("distance", { type: "Decimal7", ...needs("social:index"), description: "score − threshold" }),
      summary: t.exposeString("summary", needs("social:index")),
      factors: t.field({ type: [ExplanationFactor], ...needs("social:index"), ...PARTS, resolve: (e) => e.factors }),
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
    ...needs("social:index"),
    description: "The index in force, from the latest declaration",
    resolve: (household, _args, context) => context.loaders.currentIndex.load(household.id),
  }),
  indexHistory: t.field({
    type: [SocioEconomicIndex],
    ...needs("social:index"),
    ...HISTORY,
    description: "Every computation, newest first",
    resolve: (household, _args, context) => context.loaders.indexComputations.load(household.id),
  }),
  eligibility: t.field({
    type: [ProgramEligibility],
    ...needs("social:eligibility"),
    ...PER_PROGRAMME,
    description: "Eligibility for each programme, from the index in force; empty until a declaration is scored",
    resolve: async (household, _args, context) => {
      const index = await context.loaders.currentIndex.load(household.id);
      return index ? eligibilityOf(context, index) : [];
    },
  }),
  eligibilityExplanation: t.field({
    type: EligibilityExplanation,
    ...needs("social:index"),
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
