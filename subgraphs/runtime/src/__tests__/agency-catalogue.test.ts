import { readFileSync } from "node:fs";
import { CATALOGUE_PATH, committedCatalogue, indexCatalogue, UnlistedAgencyError } from "../access/access-catalogue.js";

type CatalogueJson = {
  agencies: { code: string; name: string; kind: string }[];
  identity: { maxTokenLifetimeSeconds: Record<string, number> };
  grants: { agency: string | null; role: string; maxTokenLifetimeSeconds?: number }[];
};

const committedJson = () => JSON.parse(readFileSync(CATALOGUE_PATH, "utf8")) as CatalogueJson;

const problemsOf = (json: CatalogueJson): string[] => {
  try {
    indexCatalogue(JSON.stringify(json));
    return [];
  } catch (error) {
    return (error as { issues: { message: string }[] }).issues.map((issue) => issue.message);
  }
};

describe("the agency catalogue", () => {
  it("lists every agency a grant names, with its name and kind", () => {
    const { catalogue } = committedCatalogue();
    for (const grant of catalogue.grants) {
      if (grant.agency) {
        expect(committedCatalogue().agency(grant.agency)).toMatchObject({ code: grant.agency });
      }
    }
    expect(committedCatalogue().agency("CNSS")).toEqual({
      code: "CNSS",
      name: "Caisse Nationale de Sécurité Sociale",
      kind: "social-security",
    });
  });

  it("refuses a grant of an unlisted agency, a code listed twice, and a malformed code", () => {
    const json = committedJson();
    json.grants.push({ ...json.grants[0], agency: "NOBODY", role: "ANALYST" } as CatalogueJson["grants"][number]);
    json.agencies.push({ ...(json.agencies[0] as CatalogueJson["agencies"][number]) });
    json.agencies.push({ code: "bad-code", name: "x", kind: "ministry" });
    const problems = problemsOf(json);
    expect(problems).toEqual(
      expect.arrayContaining([
        "NOBODY/ANALYST: NOBODY is not a listed agency",
        "ANR is listed twice",
        expect.stringContaining("must be 2 to 32 capitals"),
      ]),
    );
  });

  it("refuses a token naming an agency it does not list", () => {
    const claims = { sub: "x", agency: "NOBODY", role: "SYSTEM" };
    expect(() => committedCatalogue().callerOf(claims)).toThrow(UnlistedAgencyError);
    expect(committedCatalogue().callerOf({ ...claims, agency: "ANR" })).toMatchObject({ agency: "ANR" });
  });

  it("limits caller tokens' lifetime by role, and a grant may set its own", () => {
    const committed = committedCatalogue();
    expect(committed.maxTokenLifetimeSeconds({ role: "CITIZEN" })).toBe(900);
    expect(committed.maxTokenLifetimeSeconds({ agency: "CNSS", role: "SYSTEM" })).toBe(3600);
    expect(committed.maxTokenLifetimeSeconds({ agency: "ANSS", role: "CASE_WORKER" })).toBe(3600);
    const json = committedJson();
    const grant = json.grants.find((g) => g.agency === "CNSS" && g.role === "SYSTEM");
    if (grant) {
      grant.maxTokenLifetimeSeconds = 600;
    }
    expect(indexCatalogue(JSON.stringify(json)).maxTokenLifetimeSeconds({ agency: "CNSS", role: "SYSTEM" })).toBe(600);
    json.identity.maxTokenLifetimeSeconds.ADMIN = 60;
    expect(problemsOf(json)).toEqual(["ADMIN is not a role"]);
  });
});
