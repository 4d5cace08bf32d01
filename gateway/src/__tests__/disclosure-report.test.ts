import { readFileSync } from "node:fs";
import { type Catalogue, catalogue } from "@spx/runtime/access";
import { ACCESS_POLICY_FILE, SUPERGRAPH_FILE } from "@spx/schema";
import { accessPolicyMarkdown, supergraphAccess } from "../access-report.js";

/** The access policy's section on disclosure control: the catalogue's settings and who reads statistics. */

const supergraph = supergraphAccess(readFileSync(SUPERGRAPH_FILE, "utf8"), catalogue());

function section(markdown: string): string {
  const start = markdown.indexOf("## Disclosure control in statistics");
  const end = markdown.indexOf("\n## ", start + 1);
  return markdown.slice(start, end);
}

describe("the access policy's disclosure-control section", () => {
  it("sits beside the grants and names the settings, the statistics fields and the grants holding stats:read", () => {
    const committed = readFileSync(ACCESS_POLICY_FILE, "utf8");
    expect(committed.indexOf("## Grants")).toBeLessThan(committed.indexOf("## Disclosure control in statistics"));
    const text = section(committed);
    expect(text).toContain("| threshold | 10 |");
    expect(text).toContain("| dominancePercent | 15 |");
    expect(text).toContain("`populationStatistics`");
    expect(text).toContain("`householdStatistics`");
    const grants = text.split("\n").filter((line) => /^\| [A-Z_]+\/[A-Z_]+ \|/.test(line));
    expect(grants.map((line) => line.split(" | ")[0])).toEqual(["| MSPS/ANALYST", "| CNDP/AUDITOR"]);
  });

  it("follows the catalogue: other settings, another grant reading statistics", () => {
    const changed: Catalogue = structuredClone(catalogue());
    changed.disclosure = { threshold: 5, dominancePercent: 10 };
    const anss = changed.grants.find((g) => g.agency === "ANSS" && g.role === "SERVICE");
    anss?.scopes.push("stats:read");
    const text = section(accessPolicyMarkdown(supergraph, changed));
    expect(text).toContain(
      "| threshold | 5 | Counts of contributing units (persons, households, beneficiaries), and the contributors of a sum, from 1 to 4 are never published |",
    );
    expect(text).toContain("less than 10% of the largest");
    expect(text).toContain("| ANSS/SERVICE |");
  });
});
