import { builder } from "./builder.js";

export const SexEnum = builder.enumType("Sex", { values: ["MALE", "FEMALE"] as const });
export const MilieuEnum = builder.enumType("Milieu", { values: ["URBAN", "RURAL"] as const });
export const ResidencyStatusEnum = builder.enumType("ResidencyStatus", {
  values: ["CITIZEN", "FOREIGN_RESIDENT"] as const,
});
export const LifeStatusEnum = builder.enumType("LifeStatus", { values: ["ALIVE", "DECEASED"] as const });
