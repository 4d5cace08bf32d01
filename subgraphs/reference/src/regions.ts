import { readFileSync } from "node:fs";

/** Official two-digit codes of Morocco's twelve regions (2015 division). */
export const REGION_CODES = ["01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12"] as const;
export type RegionCode = (typeof REGION_CODES)[number];

// The 2015 territorial division (12 regions, 75 prefectures and provinces). Populations and urban
// shares are approximate 2024 census figures, used only to weight the synthetic demo data.

export interface Province {
  name: string;
  nameAr: string;
  communes: readonly string[];
}

export interface Region {
  code: RegionCode;
  name: string;
  nameAr: string;
  population2024: number;
  urbanShare: number;
  provinces: readonly Province[];
}

/** Which regions, provinces and communes exist is data: `regions.json`, beside this module. */
export const REGIONS: readonly Region[] = JSON.parse(readFileSync(new URL("./regions.json", import.meta.url), "utf8"));
if (REGIONS.map((region) => region.code).join() !== REGION_CODES.join()) {
  throw new Error("regions.json must list the twelve regions in code order");
}

function fold(value: string): string {
  return value
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "");
}

const byCode = new Map(REGIONS.map((region) => [region.code as string, region]));

export function regionByCode(code: string): Region | undefined {
  return byCode.get(code);
}

/** The province of a region whose name matches, ignoring case, accents and punctuation. */
export function provinceOf(regionCode: string, provinceName: string): Province | undefined {
  const wanted = fold(provinceName);
  return regionByCode(regionCode)?.provinces.find((province) => fold(province.name) === wanted);
}
