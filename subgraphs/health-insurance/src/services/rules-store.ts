import { type AmoRules, dayOf, isoDay, SHIPPED_AMO_RULES } from "../domain/amo-rules.js";
import { DEFAULT_NOTICE_PERIOD_DAYS } from "../domain/notices.js";
import type { InsurancePrisma } from "../subgraph.js";

/*
 * The rules and settings tables: shipped values are inserted when missing and never overwritten,
 * so an operator's edit (a new version with its effective date, another notice period) stands.
 */

export const SHIPPED_SETTINGS = [
  {
    name: "NOTICE_PERIOD_DAYS",
    value: DEFAULT_NOTICE_PERIOD_DAYS,
    description:
      "Calendar days between a notice of suspension and the suspension (AMO-Tadamon index above the threshold)",
  },
  {
    name: "NOTICE_JOB_INTERVAL_SECONDS",
    value: 60,
    description: "How often the register applies the notices that have fallen due (read at start-up)",
  },
] as const;

export type SettingName = (typeof SHIPPED_SETTINGS)[number]["name"];

export async function installRules(prisma: InsurancePrisma): Promise<void> {
  for (const rules of SHIPPED_AMO_RULES) {
    await prisma.amoRule.upsert({
      where: { effectiveFrom: dayOf(rules.effectiveFrom) },
      create: {
        effectiveFrom: dayOf(rules.effectiveFrom),
        rules: JSON.parse(JSON.stringify(rules)),
        source: rules.source,
      },
      update: {},
    });
  }
  for (const setting of SHIPPED_SETTINGS) {
    await prisma.programmeSetting.upsert({ where: { name: setting.name }, create: { ...setting }, update: {} });
  }
}

/** Every version of the rules, as stored (the effective date is the row's). */
export async function storedRules(prisma: InsurancePrisma): Promise<AmoRules[]> {
  const rows = await prisma.amoRule.findMany({ orderBy: { effectiveFrom: "asc" } });
  return rows.map((row) => ({
    ...(row.rules as unknown as AmoRules),
    effectiveFrom: isoDay(row.effectiveFrom),
    source: row.source,
  }));
}

export async function setting(prisma: InsurancePrisma, name: SettingName): Promise<number> {
  const row = await prisma.programmeSetting.findUnique({ where: { name } });
  return row?.value ?? (SHIPPED_SETTINGS.find((s) => s.name === name)?.value as number);
}
