import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import type { Browser } from "playwright-core";
import { checkAccessibility, closePage, launchBrowser, openPage, screenshot } from "./testkit/browser.js";
import { type CivilFacts, recordCivilFacts } from "./testkit/civil-facts.js";
import { signInThroughPicker } from "./testkit/console-sign-in.js";
import { PERSON_360, type ProgrammeSubject, programmeSubject } from "./testkit/fixtures.js";
import { raiseIndexAboveThresholds } from "./testkit/notices.js";
import { type RunningSystem, startSystem, waitForSequenced } from "./testkit/start-system.js";

/*
 * The citizen's page in a real Chromium, against the whole system on PostgreSQL with the demo
 * data: a case worker reads the citizen's file at the desk, the citizen signs in and sees that
 * reading (agency, purpose) in "who read my data"; downloads the eligibility attestation, which
 * the project's own verifier accepts; downloads the proof that the log holds a read, which
 * `audit:prove` verifies; reads the page in Arabic, right to left.
 */

const run = promisify(execFile);
const VERIFY = new URL("../../gateway/dist/cli/attestation-verify.js", import.meta.url).pathname;
const AUDIT_PROVE = new URL("../../gateway/dist/cli/audit-prove.js", import.meta.url).pathname;

let system: RunningSystem;
let browser: Browser;
let subject: ProgrammeSubject & { lastName: string };
let civil: CivilFacts;

beforeAll(async () => {
  system = await startSystem({
    label: "console_citizen",
    seedPersons: 600,
    seedHouseholds: true,
    seedProgrammes: true,
  });
  const programmes = await programmeSubject(system);
  const [row] = await system.populationDb.database.sql.query<{ last_name: string }>(
    "SELECT last_name FROM person WHERE idcs = $1",
    [programmes.idcs],
  );
  subject = { ...programmes, lastName: row!.last_name };
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await system?.stop();
});

describe("the citizen's page", () => {
  it("shows the citizen a case worker's reading of their file a moment after it was made", async () => {
    const desk = await openPage(browser);
    await signInThroughPicker(desk.page, system.gatewayUrl, {
      agency: "ANSS",
      role: "CASE_WORKER",
      region: subject.region,
      purpose: "ASD_ELIGIBILITY",
    });
    await desk.page.goto(`${system.gatewayUrl}/desk/person/${subject.idcs}`);
    await desk.page.getByTestId("section-aid").waitFor();
    await closePage(desk);

    const watched = await openPage(browser);
    const { page } = watched;
    await signInThroughPicker(page, system.gatewayUrl, {
      role: "CITIZEN",
      idcs: subject.idcs,
      purpose: "SELF_SERVICE",
    });
    expect(new URL(page.url()).pathname).toBe("/me");
    await page.getByTestId("section-identity").waitFor();
    expect(await page.getByTestId("section-identity").textContent()).toContain(subject.lastName);
    for (const section of ["household", "eligibility", "coverage", "aid"]) {
      await page.getByTestId(`section-${section}`).waitFor();
    }
    // The other members are the household's, not the citizen's: named as members, never shown.
    expect(await page.getByTestId("section-household").textContent()).toContain("Un autre membre du ménage");

    const reading = page.getByTestId("data-access").filter({ hasText: "ASD_ELIGIBILITY" });
    await reading.first().waitFor();
    const text = (await reading.first().textContent()) ?? "";
    expect(text).toContain("Agence Nationale du Soutien Social");
    expect(text).toContain("(ANSS)");
    // The kinds of data, in the page's language.
    expect(text).toContain("aide sociale directe");
    expect(text).toContain("indice du ménage");
    // One reading at the desk, one entry; the citizen's own readings are not listed.
    await expect(reading.count()).resolves.toBe(1);
    await expect(page.getByTestId("data-access").filter({ hasText: "SELF_SERVICE" }).count()).resolves.toBe(0);
    await checkAccessibility(page);
    await screenshot(page, "citizen");
    await closePage(watched);
  });

  it("downloads an eligibility attestation that the project's verifier accepts", async () => {
    const watched = await openPage(browser);
    const { page } = watched;
    await signInThroughPicker(page, system.gatewayUrl, {
      role: "CITIZEN",
      idcs: subject.idcs,
      purpose: "SELF_SERVICE",
    });
    const section = page.getByTestId("section-attestation");
    await section.getByLabel("Programme").selectOption("DIRECT_AID");
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      section.getByRole("button", { name: "Télécharger l'attestation" }).click(),
    ]);
    expect(download.suggestedFilename()).toBe("eligibility-attestation-DIRECT_AID.jws");
    expect(download.suggestedFilename()).not.toContain(subject.idcs);
    const jws = readFileSync((await download.path())!, "utf8");
    await section.getByTestId("attestation-issued").waitFor();
    expect(await section.getByTestId("attestation-issued").textContent()).toContain("éligible");
    // As the page says: the project's verifier, with the keys the gateway publishes.
    expect(await section.locator("pre").textContent()).toContain("npm run -s attestation:verify");
    const { stdout } = await run(process.execPath, [
      VERIFY,
      jws,
      "--jwks",
      `${system.gatewayUrl}/.well-known/jwks.json`,
    ]);
    const statement = JSON.parse(stdout) as { sub?: string; idcs?: string; program: string; eligible: boolean };
    expect(statement).toMatchObject({ program: "DIRECT_AID", eligible: true });
    expect(statement.idcs ?? statement.sub).toBe(subject.idcs);
    await closePage(watched);
  });

  it("reads right to left in Arabic, and stays accessible", async () => {
    const watched = await openPage(browser);
    const { page } = watched;
    await signInThroughPicker(page, system.gatewayUrl, {
      role: "CITIZEN",
      idcs: subject.idcs,
      purpose: "SELF_SERVICE",
    });
    await page.getByTestId("section-identity").waitFor();
    await page.getByLabel("Langue").selectOption("ar");
    await page.getByRole("heading", { level: 1, name: "ملفي" }).waitFor();
    expect(await page.evaluate(() => [document.documentElement.dir, document.documentElement.lang])).toEqual([
      "rtl",
      "ar",
    ]);
    const direction = await page
      .getByTestId("section-household")
      .evaluate((element) => getComputedStyle(element).direction);
    expect(direction).toBe("rtl");
    expect(await page.getByTestId("section-access").textContent()).toContain("من اطلع على معطياتي");
    await checkAccessibility(page);
    await closePage(watched);
  });

  it("pages through who read my data, newest first", async () => {
    // Eleven more readings through the API, as an agency's system would make them.
    const token = await system.token({
      sub: "test:grievance",
      agency: "ANSS",
      role: "CASE_WORKER",
      region: subject.region as "01",
      purpose: "GRIEVANCE",
    });
    for (let i = 0; i < 11; i++) {
      const { body } = await system.query(token, PERSON_360, { idcs: subject.idcs });
      expect(body.errors).toBeUndefined();
    }
    // However many readings earlier tests made: the page shows what the log holds, ten at a time.
    const citizen = await system.token({ sub: "test:citizen", role: "CITIZEN", idcs: subject.idcs });
    const log = await system.query<{ myDataAccess: { entries: { purpose: string }[] } }>(
      citizen,
      "{ myDataAccess(first: 100) { entries { purpose } } }",
    );
    const logged = log.body.data!.myDataAccess.entries.map((e) => e.purpose);
    expect(logged.length).toBeGreaterThanOrEqual(11);
    const watched = await openPage(browser);
    const { page } = watched;
    await signInThroughPicker(page, system.gatewayUrl, {
      role: "CITIZEN",
      idcs: subject.idcs,
      purpose: "SELF_SERVICE",
    });
    const rows = page.getByTestId("data-access");
    await rows.first().waitFor();
    await expect(rows.count()).resolves.toBe(10);
    expect(await rows.first().textContent()).toContain("GRIEVANCE");
    await page.getByRole("button", { name: "Consultations plus anciennes" }).click();
    await rows.nth(10).waitFor();
    await expect(rows.count()).resolves.toBe(Math.min(20, logged.length));
    const shown = await rows.locator("td:nth-child(3) strong").allTextContents();
    expect(shown).toEqual(logged.slice(0, 20));
    await checkAccessibility(page);
    await closePage(watched);
  });

  it("downloads the proof of a case worker's read, with the keyboard, which audit:prove verifies", async () => {
    // The sequencer held back: the read is written (the answer waited for that) but in no checkpoint.
    await system.sequencer?.stop();
    const token = await system.token({
      sub: "test:case-management",
      agency: "ANSS",
      role: "CASE_WORKER",
      region: subject.region as "01",
      purpose: "CASE_MANAGEMENT",
    });
    const watched = await openPage(browser);
    const { page } = watched;
    const read = () => page.getByTestId("data-access").filter({ hasText: "CASE_MANAGEMENT" });
    try {
      const { body } = await system.query(token, PERSON_360, { idcs: subject.idcs });
      expect(body.errors).toBeUndefined();
      await signInThroughPicker(page, system.gatewayUrl, {
        role: "CITIZEN",
        idcs: subject.idcs,
        purpose: "SELF_SERVICE",
      });
      await read().first().waitFor();
      expect(await read().first().getByTestId("proof-pending").textContent()).toBe(
        "Preuve en attente : la consultation n'est pas encore dans un point de contrôle signé.",
      );
      await expect(read().first().getByRole("link").count()).resolves.toBe(0);
    } finally {
      system.sequencer?.start();
    }

    const checkpoint = await waitForSequenced(system);
    await page.reload();
    const link = read()
      .first()
      .getByRole("link", { name: /^Télécharger la preuve/ });
    await link.waitFor();
    expect(await link.getAttribute("href")).toMatch(/^blob:/);
    expect(await read().first().getByTestId("proof-witnessed").textContent()).toBe(
      "Point de contrôle pas encore contresigné par le témoin.",
    );
    await link.focus();
    const [download] = await Promise.all([page.waitForEvent("download"), page.keyboard.press("Enter")]);
    const name = download.suggestedFilename();
    expect(name).toMatch(/^access-\d+\.tlog-proof$/);
    expect(await read().first().locator("code").textContent()).toBe(`npm run -s audit:prove -- --bundle ${name}`);
    const file = (await download.path())!;
    expect(readFileSync(file, "utf8")).toMatch(/^c2sp\.org\/tlog-proof@v1\n/);
    // As the page says, with the keys the gateway publishes.
    const { stdout } = await run(process.execPath, [
      AUDIT_PROVE,
      "--bundle",
      file,
      "--keys",
      `${system.gatewayUrl}/.well-known/jwks.json`,
    ]);
    const index = name.slice("access-".length, -".tlog-proof".length);
    expect(stdout).toContain(`holds this entry at index ${index}`);
    expect(Number(index)).toBeLessThan(checkpoint?.size ?? 0);
    expect(stdout).toContain(subject.idcs);
    expect(stdout).toMatch(/ANSS CASE_WORKER, purpose CASE_MANAGEMENT/);
    await checkAccessibility(page);
    await closePage(watched);
  });

  it("shows the citizen their civil status, diagnosis included, and their pending notice with how to contest it", async () => {
    // Last: the registrar's records and the index crossing make the programmes react (and read the
    // file as ANSS and CNSS), which the earlier tests' access lists and attestation must not see.
    civil = await recordCivilFacts(system, subject.idcs, subject.region);
    await raiseIndexAboveThresholds(system, subject.householdId);
    const watched = await openPage(browser);
    const { page } = watched;
    await signInThroughPicker(page, system.gatewayUrl, {
      role: "CITIZEN",
      idcs: subject.idcs,
      purpose: "SELF_SERVICE",
    });
    const civilStatus = page.getByTestId("section-civil");
    await civilStatus.waitFor();
    const civilText = (await civilStatus.textContent()) ?? "";
    // Everything about themself: the disability's review date and its diagnosis too.
    expect(civilText).toContain("marié");
    expect(civilText).toContain("31 mars 2030");
    expect(civilText).toContain(civil.diagnosis);
    expect(await page.getByTestId("wards").textContent()).toContain("kafala");

    const token = await system.token({
      sub: "test:citizen",
      role: "CITIZEN",
      idcs: subject.idcs,
      purpose: "SELF_SERVICE",
    });
    const { body } = await system.query<{ person: { amoNotices: { reason: string; contest: string }[] } }>(
      token,
      "query($idcs: ID!) { person(idcs: $idcs) { amoNotices { reason contest status } } }",
      { idcs: subject.idcs },
    );
    const [notice] = body.data!.person.amoNotices;
    const pending = page.getByTestId("pending-notices");
    await pending.waitFor();
    const pendingText = (await pending.textContent()) ?? "";
    expect(pendingText).toContain("suspension");
    expect(pendingText).toContain(notice!.reason);
    expect(pendingText).toContain(notice!.contest);
    await checkAccessibility(page);

    // Contesting it, with the keyboard: the link leads to the revision request, which files one.
    await page.getByTestId("contest-link").first().focus();
    await page.keyboard.press("Enter");
    await page.waitForURL("**/me#revision");
    const revision = page.getByTestId("revision");
    await revision.getByRole("textbox").fill("Nous contestons cette suspension : nos revenus ont baissé.");
    await revision.getByRole("button", { name: "Envoyer la demande" }).click();
    await revision.getByTestId("revision-filed").waitFor();
    expect(await revision.getByTestId("revision-filed").textContent()).toContain("ouverte");
    const [row] = await system.socialRegistryDb.database.sql.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM revision_request WHERE household_id = $1 AND status = 'OPEN'",
      [subject.householdId],
    );
    expect(row!.n).toBeGreaterThanOrEqual(1);
    await closePage(watched);
  });
});
