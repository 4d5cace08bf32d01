import { defaultConsoleDir } from "@spx/gateway/console/console-dir";
import type { Browser, Page } from "playwright-core";
import { checkAccessibility, closePage, launchBrowser, openPage, screenshot } from "./testkit/browser.js";
import { type CivilFacts, recordCivilFacts } from "./testkit/civil-facts.js";
import { signInThroughPicker } from "./testkit/console-sign-in.js";
import { PERSON_360, type ProgrammeSubject, programmeSubject } from "./testkit/fixtures.js";
import { raiseIndexAboveThresholds } from "./testkit/notices.js";
import { AUDIENCE, ISSUER, type RunningSystem, startAnotherGateway, startSystem } from "./testkit/start-system.js";

/*
 * The case-worker desk in a real Chromium, against the whole system on PostgreSQL with the demo
 * data: an ANSS case worker signs in through the picker, finds a person of their region by IDCS,
 * card number and name, reads every register's part of the file (the figures the graph gives the
 * same grant), cannot open someone of another region, and files a revision request once however
 * often it is sent. Nothing is requested outside 127.0.0.1, and axe-core finds nothing.
 */

let system: RunningSystem;
let browser: Browser;
let subject: ProgrammeSubject & { cin: string; firstName: string; lastName: string };
let stranger: { idcs: string; firstName: string; lastName: string };
let civil: CivilFacts;

const caseWorker = () => ({
  agency: "ANSS",
  role: "CASE_WORKER" as const,
  region: subject.region,
  purpose: "CASE_MANAGEMENT",
});

beforeAll(async () => {
  system = await startSystem({ label: "console_desk", seedPersons: 600, seedHouseholds: true, seedProgrammes: true });
  const programmes = await programmeSubject(system);
  const [row] = await system.populationDb.database.sql.query<{ cin: string; first_name: string; last_name: string }>(
    "SELECT cin, first_name, last_name FROM person WHERE idcs = $1",
    [programmes.idcs],
  );
  subject = { ...programmes, cin: row!.cin, firstName: row!.first_name, lastName: row!.last_name };
  const [other] = await system.populationDb.database.sql.query<{ idcs: string; first_name: string; last_name: string }>(
    "SELECT idcs, first_name, last_name FROM person WHERE region_code <> $1 AND cin IS NOT NULL ORDER BY idcs LIMIT 1",
    [subject.region],
  );
  stranger = { idcs: other!.idcs, firstName: other!.first_name, lastName: other!.last_name };
  civil = await recordCivilFacts(system, subject.idcs, subject.region);
  // The household's index rises above the thresholds: the programmes announce a suspension.
  await raiseIndexAboveThresholds(system, subject.householdId);
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await system?.stop();
});

async function search(page: Page, by: "IDCS" | "CIN" | "Nom", text: string): Promise<void> {
  await page.getByRole("radio", { name: by, exact: true }).check();
  await page.getByRole("textbox").fill(text);
  await page.getByRole("button", { name: "Rechercher" }).click();
}

interface Person360 {
  person: {
    household: {
      members: { person: { firstName: string } | null }[];
      eligibility: { program: string; eligible: boolean }[];
      eligibilityExplanation: { summary: string };
      directAid: {
        monthlyEntitlement: { amount: string; components: { reason: string; amount: string }[] };
        payments: { month: string; amount: string; status: string }[];
      };
    };
    healthCoverage: { regime: string };
  };
}

describe("the case-worker desk", () => {
  it("finds a person of the region by IDCS, card number and name, and shows every register's part", async () => {
    const watched = await openPage(browser);
    const { page } = watched;
    await signInThroughPicker(page, system.gatewayUrl, caseWorker());
    expect(new URL(page.url()).pathname).toBe("/desk");
    await expect(page.getByTestId("purpose").textContent()).resolves.toContain("CASE_MANAGEMENT");
    await checkAccessibility(page);

    // By card number, typed as a person would (lower case, a space): one result, this person.
    await search(page, "CIN", `${subject.cin.slice(0, 2).toLowerCase()} ${subject.cin.slice(2)}`);
    await page.getByTestId("search-results").getByRole("link").first().waitFor();
    await expect(page.getByTestId("search-results").locator("tbody tr").count()).resolves.toBe(1);
    await expect(page.getByTestId("search-results").textContent()).resolves.toContain(subject.idcs);

    // By name: every result is of the case worker's region, this person among them.
    await search(page, "Nom", subject.lastName.slice(0, 4));
    await page.getByTestId("search-results").getByRole("link").first().waitFor();
    const shown = await page.getByTestId("search-results").locator("tbody tr td:nth-child(2)").allTextContents();
    expect(shown).toContain(subject.idcs);
    const regions = await system.populationDb.database.sql.query<{ region_code: string }>(
      "SELECT DISTINCT region_code FROM person WHERE idcs = ANY($1)",
      [shown],
    );
    expect(regions.map((r) => r.region_code)).toEqual([subject.region]);
    await checkAccessibility(page);

    // By IDCS, with the keyboard alone: the mode with the arrow keys, Tab to the field, Enter.
    await page.getByRole("radio", { name: "Nom", exact: true }).focus();
    await page.keyboard.press("ArrowRight");
    await expect(page.getByRole("radio", { name: "IDCS", exact: true }).isChecked()).resolves.toBe(true);
    await page.keyboard.press("Tab");
    await page.keyboard.press("ControlOrMeta+a");
    await page.keyboard.type(subject.idcs);
    await page.keyboard.press("Enter");
    await page.waitForURL(`**/desk/person/${subject.idcs}`);
    for (const section of ["notices", "identity", "civil", "household", "eligibility", "coverage", "aid"]) {
      await page.getByTestId(`section-${section}`).waitFor();
    }
    await page.getByTestId("payments").waitFor();

    // What the page shows is what the graph gives the same grant.
    const token = await system.token({ sub: "test:desk", ...caseWorker(), region: subject.region as "01" });
    const { body } = await system.query<Person360>(token, PERSON_360, { idcs: subject.idcs });
    const expected = body.data!.person;
    const text = async (id: string) => (await page.getByTestId(id).textContent()) ?? "";
    expect(await text("section-identity")).toContain(subject.cin);
    expect(await text("section-identity")).toContain(`${subject.firstName} ${subject.lastName}`);
    for (const member of expected.household.members) {
      expect(await text("section-household")).toContain(member.person!.firstName);
    }
    expect(await text("section-eligibility")).toContain(expected.household.eligibilityExplanation.summary);
    expect(await text("section-coverage")).toContain("AMO-Tadamon");
    const components = await page.getByTestId("entitlement-components").locator("tbody tr").count();
    expect(components).toBe(expected.household.directAid.monthlyEntitlement.components.length);
    for (const component of expected.household.directAid.monthlyEntitlement.components) {
      expect(await text("entitlement-components")).toContain(component.reason);
    }
    const payments = await page.getByTestId("payments").locator("tbody tr").count();
    expect(payments).toBe(expected.household.directAid.payments.length);
    // Amounts in the page's language (fr-MA): 500,00 MAD for "500.00".
    const amount = new Intl.NumberFormat("fr-MA", { style: "currency", currency: "MAD" }).format(
      expected.household.directAid.monthlyEntitlement.amount as Intl.StringNumericLiteral,
    );
    expect(await text("section-aid")).toContain(amount);
    // The pending notice AMO gave after the index crossed its threshold: the change, its reason,
    // from when, and how to contest it, as the register wrote them.
    type Notice = { kind: string; reason: string; effectiveOn: string; contest: string; status: string };
    const { body: notices } = await system.query<{ person: { amoNotices: Notice[]; aidNotices: Notice[] } }>(
      token,
      "query($idcs: ID!) { person(idcs: $idcs) { amoNotices { kind reason effectiveOn contest status } aidNotices { kind reason effectiveOn contest status } } }",
      { idcs: subject.idcs },
    );
    const [notice] = notices.data!.person.amoNotices;
    expect(notice).toBeDefined();
    const pending = await text("pending-notices");
    expect(pending).toContain("Assurance maladie (AMO)");
    expect(pending).toContain("suspension");
    expect(pending).toContain(notice!.reason);
    expect(pending).toContain(notice!.contest);
    expect(pending).toContain(
      new Intl.DateTimeFormat("fr-MA", { dateStyle: "long", timeZone: "UTC" }).format(
        new Date(`${notice!.effectiveOn}T00:00:00Z`),
      ),
    );
    // Direct aid's notice of the same crossing is beside it, one row per pending notice.
    const aid = notices.data!.person.aidNotices.filter((n) => n.status === "PENDING");
    expect(aid.length).toBeGreaterThan(0);
    expect(pending).toContain("Aide sociale directe");
    expect(pending).toContain(aid[0]!.contest);
    await expect(page.getByTestId("pending-notices").locator("tbody tr").count()).resolves.toBe(
      notices.data!.person.amoNotices.filter((n) => n.status === "PENDING").length + aid.length,
    );
    // The desk gives the text; the revision form is further down the page, not a link per notice.
    await expect(page.getByTestId("contest-link").count()).resolves.toBe(0);
    // Civil status as ANSS's case workers may read it: married (to whom, since when), disabled
    // yes, the kafala the person holds; the disability's details (review date, diagnosis) are not
    // theirs (civil:disability), and the page says so in their place.
    const civilText = await text("section-civil");
    expect(civilText).toContain("marié");
    expect(await text("marriages")).toContain(
      `${civil.spouse.firstName} ${civil.spouse.lastName} (${civil.spouse.idcs})`,
    );
    expect(await text("marriages")).toContain("16 juin 2012");
    expect(await text("wards")).toContain(`kafala : ${civil.ward.firstName} ${civil.ward.lastName}`);
    expect(await text("wards")).toContain("1 mars 2025");
    expect(civilText).toMatch(/Handicap reconnu en vigueuroui/);
    expect(civilText).not.toContain(civil.diagnosis);
    expect(civilText).not.toContain("31 mars 2030");
    // Nothing else is refused to this grant: the only notice is the disability's details.
    await expect(
      page.locator(".refused").evaluateAll((all) => all.map((e) => e.getAttribute("data-coordinate"))),
    ).resolves.toEqual(["Person.disability"]);
    expect(await page.getByTestId("section-civil").locator(".refused").textContent()).toContain("civil:disability");
    await checkAccessibility(page);
    await screenshot(page, "desk");
    await closePage(watched);
  });

  it("shows a person of another region as not found or not accessible, and never their data", async () => {
    const watched = await openPage(browser);
    const { page } = watched;
    await signInThroughPicker(page, system.gatewayUrl, caseWorker());
    await page.goto(`${system.gatewayUrl}/desk/person/${stranger.idcs}`);
    await page.getByTestId("not-accessible").waitFor();
    const shown = (await page.locator("main").textContent()) ?? "";
    expect(shown).not.toContain(stranger.lastName);
    await expect(page.getByTestId("section-civil").count()).resolves.toBe(0);
    // Someone unknown reads the same: the desk does not say whether a person of another region exists.
    const strangerText = shown.replace(stranger.idcs, "<idcs>");
    await page.goto(`${system.gatewayUrl}/desk/person/0000000000`);
    await page.getByTestId("not-accessible").waitFor();
    const unknownText = ((await page.locator("main").textContent()) ?? "").replace("0000000000", "<idcs>");
    expect(unknownText).toBe(strangerText);
    // Nor by card number.
    await page.goto(`${system.gatewayUrl}/desk`);
    const [card] = await system.populationDb.database.sql.query<{ cin: string }>(
      "SELECT cin FROM person WHERE idcs = $1",
      [stranger.idcs],
    );
    await search(page, "CIN", card!.cin);
    await page.getByTestId("search-results").getByRole("status").waitFor();
    expect(await page.getByTestId("search-results").textContent()).not.toContain(stranger.idcs);
    await checkAccessibility(page);
    await closePage(watched);
  });

  it("shows a case worker of another region neither the civil status nor the notices of this person", async () => {
    const watched = await openPage(browser);
    const { page } = watched;
    const elsewhere = subject.region === "01" ? "02" : "01";
    await signInThroughPicker(page, system.gatewayUrl, { ...caseWorker(), region: elsewhere });
    await page.goto(`${system.gatewayUrl}/desk/person/${subject.idcs}`);
    await page.getByTestId("not-accessible").waitFor();
    const shown = (await page.locator("main").textContent()) ?? "";
    for (const name of [subject.lastName, civil.spouse.lastName, civil.ward.lastName, "kafala"]) {
      expect(shown).not.toContain(name);
    }
    await expect(page.getByTestId("section-civil").count()).resolves.toBe(0);
    await expect(page.getByTestId("section-notices").count()).resolves.toBe(0);
    await closePage(watched);
  });

  it("files an index revision once, however often it is sent, and shows its state and due date", async () => {
    const watched = await openPage(browser);
    const { page } = watched;
    await signInThroughPicker(page, system.gatewayUrl, caseWorker());
    await page.goto(`${system.gatewayUrl}/desk/person/${subject.idcs}`);
    const revision = page.getByTestId("revision");
    await revision.getByRole("textbox").fill("The head of household lost his job in October.");
    const count = async () =>
      (
        await system.socialRegistryDb.database.sql.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM revision_request WHERE household_id = $1",
          [subject.householdId],
        )
      )[0]!.n;
    const before = await count();
    await revision.getByRole("button", { name: "Envoyer la demande" }).dblclick();
    const filed = page.getByTestId("revision-filed");
    await filed.waitFor();
    expect(await filed.textContent()).toContain("ouverte");
    const id = await filed.getAttribute("data-request-id");
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    // Sent again (a retry after a lost answer): the register answers with the same request.
    await revision.getByRole("button", { name: "Envoyer la demande" }).click();
    await page.waitForResponse(
      (response) => response.url().endsWith("/graphql") && response.request().method() === "POST",
    );
    await expect(filed.getAttribute("data-request-id")).resolves.toBe(id);
    expect(await count()).toBe(before + 1);
    const [row] = await system.socialRegistryDb.database.sql.query<{ status: string; due_at: Date }>(
      "SELECT status, due_at FROM revision_request WHERE id = $1",
      [id],
    );
    expect(row?.status).toBe("OPEN");
    const due = new Intl.DateTimeFormat("fr-MA", { dateStyle: "long" }).format(row!.due_at);
    expect(await filed.textContent()).toContain(due);
    await checkAccessibility(page);
    await closePage(watched);
  });

  it("explains each field the gateway refuses, with the reason and the grant's legal basis", async () => {
    // A CNSS case worker reads a household's direct-aid enrolment and entitlement but not its
    // payment orders (the catalogue's data minimisation): signed in through the picker like
    // anyone, the desk shows that part as not available, with why and under which law.
    const watched = await openPage(browser);
    const { page } = watched;
    await signInThroughPicker(page, system.gatewayUrl, { ...caseWorker(), agency: "CNSS" });
    await expect(page.getByTestId("purpose").textContent()).resolves.toContain("CASE_MANAGEMENT");
    await page.goto(`${system.gatewayUrl}/desk/person/${subject.idcs}`);
    await page.getByTestId("section-aid").waitFor();
    const refused = page.locator('.refused[data-coordinate="DirectAid.payments"]');
    await refused.waitFor();
    const notice = (await refused.textContent()) ?? "";
    expect(notice).toContain("Non disponible");
    expect(notice).toContain("aid:payments");
    expect(notice).toContain("Law 65-00 as amended by law 27-22; law 72-18 art. 12");
    // Which kind of data is missing, in the page's language.
    const explained = page.locator(".refused-explained").filter({ has: refused });
    expect(await explained.textContent()).toContain("paiements de l'aide");
    expect(notice).toContain("The grant of CNSS (CASE_WORKER) does not include payment orders");
    // Refused in place: the rest of the file is served, the entitlement among it.
    expect(await page.getByTestId("section-identity").textContent()).toContain(subject.cin);
    expect(await page.getByTestId("section-coverage").textContent()).toContain("AMO-Tadamon");
    await page.getByTestId("entitlement-components").waitFor();
    await expect(page.getByTestId("payments").count()).resolves.toBe(0);
    // The other refusal of this grant is the disability's details (civil:disability), as for ANSS.
    await expect(
      page.locator(".refused").evaluateAll((all) => all.map((e) => e.getAttribute("data-coordinate"))),
    ).resolves.toEqual(["Person.disability", "DirectAid.payments"]);
    await checkAccessibility(page);
    await closePage(watched);
  });

  it("says that a register does not answer, instead of showing its part as empty", async () => {
    // A gateway over the same registers, but the health insurer's address answers nothing.
    const gateway = await startAnotherGateway(system, {
      subgraphUrls: { ...system.subgraphUrls, "health-insurance": "http://127.0.0.1:9/graphql" },
      console: {
        dir: defaultConsoleDir(),
        devSignIn: { issuerKey: async () => system.issuerKey, issuer: ISSUER, audience: AUDIENCE },
      },
    });
    try {
      const watched = await openPage(browser);
      const { page } = watched;
      await signInThroughPicker(page, gateway.url, caseWorker());
      await page.goto(`${gateway.url}/desk/person/${subject.idcs}`);
      await page.getByTestId("payments").waitFor();
      const coverage = page.getByTestId("section-coverage");
      await coverage.getByTestId("unavailable").waitFor();
      expect(await coverage.textContent()).not.toContain("Aucune couverture en cours");
      // The other registers' parts are served.
      expect(await page.getByTestId("section-identity").textContent()).toContain(subject.cin);
      await expect(page.getByTestId("section-aid").getByTestId("unavailable").count()).resolves.toBe(0);
      await checkAccessibility(page);
      await closePage(watched);
    } finally {
      await gateway.stop();
    }
  });
});
