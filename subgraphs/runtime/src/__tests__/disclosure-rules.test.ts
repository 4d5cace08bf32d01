import { readFileSync } from "node:fs";
import { CATALOGUE_PATH, disclosureRules, indexCatalogue } from "../access/access-catalogue.js";

/** The catalogue's disclosure block, as the registers read it, and what the catalogue refuses there. */

const withDisclosure = (disclosure: unknown): string => {
  const json = JSON.parse(readFileSync(CATALOGUE_PATH, "utf8")) as Record<string, unknown>;
  if (disclosure === undefined) {
    delete json.disclosure;
  } else {
    json.disclosure = disclosure;
  }
  return JSON.stringify(json);
};

describe("the catalogue's disclosure rules", () => {
  it("are one setting for every caller: threshold 10, p% 15", () => {
    expect(disclosureRules()).toEqual({ threshold: 10, dominancePercent: 15 });
  });

  it("refuse a threshold below 3 or not whole, a percentage outside 0 to 100, an unknown key, and their absence", () => {
    expect(indexCatalogue(withDisclosure({ threshold: 5, dominancePercent: 10 })).disclosure).toEqual({
      threshold: 5,
      dominancePercent: 10,
    });
    for (const bad of [
      { threshold: 2, dominancePercent: 15 },
      { threshold: 9.5, dominancePercent: 15 },
      { threshold: 10, dominancePercent: 101 },
      { threshold: 10, dominancePercent: -1 },
      { threshold: 10, dominancePercent: 15, perAgency: { MSPS: 5 } },
      undefined,
    ]) {
      expect(() => indexCatalogue(withDisclosure(bad))).toThrow();
    }
  });
});
