import type { TFunction } from "i18next";
import type { Region } from "../app/console-config.js";

const ROLES = ["ANALYST", "AUDITOR", "CASE_WORKER", "CITIZEN"] as const;
type Role = (typeof ROLES)[number];

const isKnownRole = (role: string): role is Role => (ROLES as readonly string[]).includes(role);

/** A role's name in the page's language; an unknown role (a newer catalogue) shows its code. */
export function roleLabel(t: TFunction, role: string): string {
  return isKnownRole(role) ? t(`roles.${role}`) : role;
}

/** "Name (code)" for a region code; the code alone if the configuration does not name it. */
export function regionLabel(regions: readonly Region[], code: string | null): string | null {
  if (code === null) {
    return null;
  }
  const region = regions.find((r) => r.code === code);
  return region ? `${region.name} (${code})` : code;
}
