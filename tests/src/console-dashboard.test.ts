import { readFileSync } from "node:fs";
import type { Caller } from "@spx/runtime/access";
import type { Browser, Page } from "playwright-core";
import { checkAccessibility, closePage, isLocalUrl, launchBrowser, openPage, screenshot } from "./testkit/browser.js";
import { type RunningSystem, startSystem } from "./testkit/start-system.js";

/*
 * The ministry dashboard in a real Chromium, served by the gateway of a real system (four
 * registers on PostgreSQL, demo data): an MSPS analyst signs in through the development picker
 * (with the keyboard only), and every figure the tables show is the API's answer to the same
 * grant; withheld values are shown as withheld; the CSV export is the table; Arabic is right to
 * left; axe-core finds nothing; nothing is fetched from anywhere but this machine.
 */

const ANALYST: Caller = { sub: "test:msps-analyst", agency: "MSPS", role: "ANALYST", purpose: "STATISTICS" };

let system: RunningSystem;
let browser: Browser;
let analystToken: string;

beforeAll(async () => {
  system = await startSystem({ label: "console_dash", seedPersons: 800, seedHouseholds: true, seedProgrammes: true });
  browser = await launchBrowser();
  analystToken = await system.token(ANALYST);
});

afterAll(async () => {
  await browser?.close();
  await system?.stop();
});

/** The API's answer for the analyst, failing on any error. */
async function api<Data>(query: string): Promise<Data> {
  const { status, body } = await system.query<Data>(analystToken, query);
  if (status !== 200 || body.errors || !body.data) {
    throw new Error(`${query}\n→ ${status} ${JSON.stringify(body.errors ?? body)}`);
  }
  return body.data;
}

/** Signs in through the picker with the mouse (the keyboard has a test of its own). */
async function signInAsAnalyst(page: Page): Promise<void> {
  await page.goto(`${system.gatewayUrl}/login`);
  const grant = page.getByLabel("Habilitation");
  const value = await grant.locator("option", { hasText: "(MSPS)" }).getAttribute("value");
  await grant.selectOption(value ?? "");
  await page.getByRole("radio", { name: /STATISTICS/ }).check();
  await page.getByRole("button", { name: "Se connecter" }).click();
  await page.waitForURL(`${system.gatewayUrl}/dashboard`);
  await waitForTables(page);
}

const TABLES = [
  "population-table",
  "households-table",
  "index-table",
  "coverage-table",
  "direct-aid-month-table",
  "direct-aid-region-table",
];

async function waitForTables(page: Page): Promise<void> {
  for (const id of TABLES) {
    await page.locator(`#${id} tbody tr`).first().waitFor();
  }
  await page.waitForFunction(() => document.querySelectorAll("[aria-busy=true]").length === 0);
}

interface ShownRow {
  key: string;
  /** The text of each measure's cell, by measure. */
  cells: Record<string, string>;
}

async function rowsOf(page: Page, table: string): Promise<ShownRow[]> {
  return page.$$eval(`#${table} tbody tr`, (rows) =>
    rows.map((row) => ({
      key: (row as HTMLElement).dataset.key ?? "",
      cells: Object.fromEntries(
        [...row.querySelectorAll("td")].map((td) => [td.dataset.measure ?? "", td.textContent ?? ""]),
      ),
    })),
  );
}

const digits = (text: string | undefined) => (text ?? "").replace(/\D/g, "");
const percentFr = new Intl.NumberFormat("fr-MA", { style: "percent", maximumFractionDigits: 1 });
/** A dimension's value in a row's key: "*" where the cell is a total over it. */
const k = (value: string | null | undefined) => value ?? "*";

/** RFC 4180 records, as a spreadsheet reads the export (quoted fields may hold commas and quotes). */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c === '"') {
      quoted = true;
    } else if (c === ",") {
      record.push(field);
      field = "";
    } else if (c === "\r" && text[i + 1] === "\n") {
      record.push(field);
      records.push(record);
      record = [];
      field = "";
      i++;
    } else {
      field += c;
    }
  }
  return records;
}

/** What the page says for each reason (French). */
const REASONS: Record<string, string> = {
  SMALL_COUNT: "effectif inférieur au seuil de diffusion",
  COMPLEMENT: "recalculable à partir des totaux",
  DOMINANCE: "montant dominé par un seul foyer",
  SECONDARY: "masquage secondaire, pour protéger une autre cellule",
};

interface Withheld {
  suppressed?: { measure: string; reason: string }[] | null;
}

/**
 * Each row the page shows is one cell of the API's answer and each figure is the API's (compared
 * digit by digit, whatever the locale's separators); a withheld one is shown as suppressed with its
 * reason, never as a figure; nothing is added and nothing is left out.
 */
function expectFigures<Cell extends Withheld>(
  shown: ShownRow[],
  cells: Cell[],
  keyOf: (cell: Cell) => string,
  measures: Record<string, (cell: Cell) => number | string | null>,
): void {
  expect(shown.map((row) => row.key).sort()).toEqual(cells.map(keyOf).sort());
  for (const cell of cells) {
    const key = keyOf(cell);
    const row = shown.find((r) => r.key === key);
    for (const [measure, value] of Object.entries(measures)) {
      const expected = value(cell);
      const text = row?.cells[measure] ?? "";
      if (expected === null) {
        const reason = cell.suppressed?.find((s) => s.measure === measure)?.reason;
        expect({ key, measure, suppressed: /^masqué \(.+\)$/.test(text), digits: digits(text) }).toEqual({
          key,
          measure,
          suppressed: true,
          digits: "",
        });
        if (reason) {
          expect({ key, measure, text }).toEqual({ key, measure, text: `masqué (${REASONS[reason]})` });
        }
      } else {
        expect({ key, measure, shown: digits(text) }).toEqual({ key, measure, shown: digits(String(expected)) });
      }
    }
  }
}

describe("the ministry dashboard", () => {
  it("signs in with the keyboard only, landing on the dashboard with the grant and purpose shown", async () => {
    const watched = await openPage(browser);
    const { page } = watched;
    try {
      await page.goto(`${system.gatewayUrl}/`);
      await page.waitForURL(`${system.gatewayUrl}/login`);
      const grant = page.getByLabel("Habilitation");
      await grant.waitFor();
      for (let i = 0; i < 10 && !(await grant.evaluate((el) => el === document.activeElement)); i++) {
        await page.keyboard.press("Tab");
      }
      await expect(grant.evaluate((el) => el === document.activeElement)).resolves.toBe(true);
      // Type-ahead on the closed list, as a keyboard user picks an option.
      await page.keyboard.type("Ministère");
      await expect(grant.evaluate((el) => (el as HTMLSelectElement).selectedOptions[0]?.text)).resolves.toContain(
        "(MSPS)",
      );
      await page.keyboard.press("Tab");
      await expect(page.evaluate(() => (document.activeElement as HTMLInputElement).value)).resolves.toBe("STATISTICS");
      await page.keyboard.press("Tab");
      await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe("Se connecter");
      await page.keyboard.press("Enter");
      await page.waitForURL(`${system.gatewayUrl}/dashboard`);
      await expect(page.getByTestId("signed-in-grant").textContent()).resolves.toContain("Analyste");
      await expect(page.getByTestId("purpose").textContent()).resolves.toContain("STATISTICS");
      // The skip link is the first stop and moves the focus to the page's content.
      await page.keyboard.press("Tab");
      await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe(
        "Aller au contenu principal",
      );
      await page.keyboard.press("Enter");
      await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe("main");
    } finally {
      await closePage(watched);
    }
  });

  it("keeps the session in this tab only, ends it when the token expires, and signs out", async () => {
    const watched = await openPage(browser);
    const { page } = watched;
    try {
      await signInAsAnalyst(page);
      const stored = await page.evaluate(() => ({
        session: sessionStorage.getItem("console.session"),
        local: Object.keys(localStorage),
      }));
      expect(JSON.parse(stored.session ?? "{}")).toMatchObject({ purpose: "STATISTICS", caller: { agency: "MSPS" } });
      // Only the language preference outlives the tab; never the token.
      expect(stored.local.every((key) => key === "console.language")).toBe(true);

      // A token about to expire: the page goes back to the sign-in and says why.
      await page.evaluate(() => {
        const session = JSON.parse(sessionStorage.getItem("console.session") ?? "{}");
        sessionStorage.setItem("console.session", JSON.stringify({ ...session, expiresAt: Date.now() + 1500 }));
      });
      await page.reload();
      await page.locator("#population-table").waitFor();
      await page.waitForURL(`${system.gatewayUrl}/login`);
      await expect(page.getByRole("status").textContent()).resolves.toBe(
        "Votre session a expiré. Veuillez vous reconnecter.",
      );
      await expect(page.evaluate(() => sessionStorage.getItem("console.session"))).resolves.toBeNull();

      await signInAsAnalyst(page);
      await page.getByRole("button", { name: "Se déconnecter" }).click();
      await page.waitForURL(`${system.gatewayUrl}/login`);
      await expect(page.evaluate(() => sessionStorage.getItem("console.session"))).resolves.toBeNull();
      // A page of the dashboard now asks to sign in first.
      await page.goto(`${system.gatewayUrl}/dashboard`);
      await page.waitForURL(`${system.gatewayUrl}/login`);
    } finally {
      await closePage(watched);
    }
  });

  it("goes back to the sign-in when the gateway refuses the token, saying so", async () => {
    // The browser logs the refused requests themselves: expected here, and only here.
    const watched = await openPage(browser, { expectedConsoleErrors: [/status of 401/] });
    const { page } = watched;
    try {
      await signInAsAnalyst(page);
      await page.evaluate(() => {
        const session = JSON.parse(sessionStorage.getItem("console.session") ?? "{}");
        // Another signature: a token the gateway never issued.
        const forged = `${session.accessToken.split(".").slice(0, 2).join(".")}.AAAA`;
        sessionStorage.setItem("console.session", JSON.stringify({ ...session, accessToken: forged }));
      });
      await page.reload();
      await page.waitForURL(`${system.gatewayUrl}/login`);
      await expect(page.getByRole("status").textContent()).resolves.toMatch(/^Le service a refusé votre jeton/);
      await expect(page.evaluate(() => sessionStorage.getItem("console.session"))).resolves.toBeNull();
    } finally {
      await closePage(watched);
    }
  });

  it("shows the API's figures in every table, each section with its as-of time", async () => {
    const watched = await openPage(browser);
    const { page } = watched;
    try {
      await signInAsAnalyst(page);

      const population = await api<{
        populationStatistics: ({ region: string | null; count: number | null } & Withheld)[];
      }>("{ populationStatistics(by: [REGION], totals: true) { region count suppressed { measure reason } } }");
      expectFigures(await rowsOf(page, "population-table"), population.populationStatistics, (c) => k(c.region), {
        count: (c) => c.count,
      });
      // The national total is there, marked as a total.
      await expect(page.locator('#population-table tr.total[data-key="*"] th').textContent()).resolves.toBe("Total");

      type Households = Withheld & {
        region: string | null;
        households: number | null;
        members: number | null;
        scored: number | null;
        eligibleAmoTadamon: number | null;
        eligibleDirectAid: number | null;
      };
      const households = await api<{ householdStatistics: Households[] }>(
        "{ householdStatistics(by: [REGION], totals: true) { region households members scored eligibleAmoTadamon eligibleDirectAid suppressed { measure reason } } }",
      );
      const share = (part: number | null, whole: number | null) =>
        part === null || whole === null ? null : percentFr.format(part / whole);
      expectFigures(await rowsOf(page, "households-table"), households.householdStatistics, (c) => `${k(c.region)}|*`, {
        households: (c) => c.households,
        members: (c) => c.members,
        scored: (c) => c.scored,
        eligibleAmoTadamon: (c) => c.eligibleAmoTadamon,
        eligibleDirectAid: (c) => c.eligibleDirectAid,
        shareAmoTadamon: (c) => share(c.eligibleAmoTadamon, c.scored),
        shareDirectAid: (c) => share(c.eligibleDirectAid, c.scored),
      });

      const bands = await api<{ indexDistribution: ({ from: string; households: number | null } & Withheld)[] }>(
        '{ indexDistribution(bandWidth: "0.5000000") { from households suppressed { measure reason } } }',
      );
      expectFigures(await rowsOf(page, "index-table"), bands.indexDistribution, (c) => c.from, {
        households: (c) => c.households,
      });

      const coverage = await api<{
        coverageStatistics: ({
          regime: string | null;
          status: string | null;
          beneficiaries: number | null;
        } & Withheld)[];
      }>(
        "{ coverageStatistics(by: [REGIME, STATUS], totals: true) { regime status beneficiaries suppressed { measure reason } } }",
      );
      expectFigures(
        await rowsOf(page, "coverage-table"),
        coverage.coverageStatistics,
        (c) => `*|${k(c.regime)}|${k(c.status)}`,
        { beneficiaries: (c) => c.beneficiaries },
      );

      type Aid = Withheld & {
        region: string | null;
        month: string | null;
        households: number | null;
        children: number | null;
        amount: string | null;
      };
      const aid = await api<{ byMonth: Aid[]; byRegion: Aid[] }>(
        "{ byMonth: directAidStatistics(by: [MONTH], totals: true) { region month households children amount suppressed { measure reason } } byRegion: directAidStatistics(by: [REGION], totals: true) { region month households children amount suppressed { measure reason } } }",
      );
      const aidMeasures = {
        households: (c: Aid) => c.households,
        children: (c: Aid) => c.children,
        amount: (c: Aid) => c.amount,
      };
      expectFigures(await rowsOf(page, "direct-aid-month-table"), aid.byMonth, (c) => `*|${k(c.month)}`, aidMeasures);
      expectFigures(await rowsOf(page, "direct-aid-region-table"), aid.byRegion, (c) => k(c.region), aidMeasures);
      // Amounts in dirhams, formatted for French: "48.078,00 MAD" style, never centimes.
      const amounts = page.locator("#direct-aid-region-table td[data-measure=amount]").filter({ hasNotText: "masqué" });
      await expect(amounts.first().textContent()).resolves.toMatch(/\d,\d{2}\s?MAD$/);

      for (const section of ["population", "households", "index", "coverage", "direct-aid"]) {
        const asOf = page.getByTestId(`${section}-as-of`);
        await expect(asOf.textContent()).resolves.toMatch(/^Données calculées le .*\d{4}/);
        const when = await asOf.locator("time").getAttribute("datetime");
        expect(Number.isNaN(Date.parse(when ?? ""))).toBe(false);
      }
      await checkAccessibility(page);
      await screenshot(page, "dashboard");
      expect(watched.requests.every(isLocalUrl)).toBe(true);
    } finally {
      await closePage(watched);
    }
  });

  it("shows every withheld value as suppressed with its reason, and exports it as an empty, named value", async () => {
    type Cell = Withheld & {
      region: string | null;
      sex: string | null;
      ageBand: string | null;
      milieu: string | null;
      count: number | null;
    };
    // Four dimensions over a few hundred persons: cells of a handful, which disclosure control hides.
    const { populationStatistics: cells } = await api<{ populationStatistics: Cell[] }>(
      "{ populationStatistics(by: [REGION, SEX, AGE_BAND, MILIEU]) { region sex ageBand milieu count suppressed { measure reason } } }",
    );
    const withheld = cells.filter((c) => c.count === null);
    expect(withheld.length).toBeGreaterThan(0);
    expect(withheld.every((c) => c.suppressed?.some((s) => s.measure === "count"))).toBe(true);

    const watched = await openPage(browser);
    const { page } = watched;
    try {
      await signInAsAnalyst(page);
      for (const dimension of ["Sexe", "Tranche d'âge", "Milieu"]) {
        await page.locator("#population").getByRole("checkbox", { name: dimension }).check();
      }
      await page.waitForFunction(
        (n) => document.querySelectorAll("#population-table tbody tr").length === n,
        cells.length,
      );
      const keyOf = (c: Cell) => [c.region, c.sex, c.ageBand, c.milieu].map(k).join("|");
      const shown = await rowsOf(page, "population-table");
      expectFigures(shown, cells, keyOf, { count: (c) => c.count });
      // Shown as a mark with words, and never drawn as a figure.
      const mark = page.locator(`#population-table tr[data-key="${keyOf(withheld[0] as Cell)}"] .suppressed`);
      await expect(mark.isVisible()).resolves.toBe(true);

      const [download] = await Promise.all([
        page.waitForEvent("download"),
        page.getByRole("button", { name: /Exporter en CSV — Personnes inscrites/ }).click(),
      ]);
      const csv = readFileSync((await download.path()) ?? "", "utf8");
      expect(csv.startsWith("\ufeff")).toBe(true);
      const [header, ...lines] = parseCsv(csv.slice(1));
      expect(header).toEqual(["Région", "Sexe", "Tranche d'âge", "Milieu", "Personnes inscrites", "masqué"]);
      expect(lines).toHaveLength(cells.length);
      for (const [index, fields] of lines.entries()) {
        const cell = cells.find((c) => keyOf(c) === shown[index]?.key) as Cell;
        const reason = cell.suppressed?.find((s) => s.measure === "count")?.reason;
        expect(fields.slice(4)).toEqual(
          cell.count === null ? ["", `Personnes inscrites: ${REASONS[reason ?? ""]}`] : [String(cell.count), ""],
        );
      }
      await checkAccessibility(page);
    } finally {
      await closePage(watched);
    }
  });

  it("filters by region and milieu where the API has the dimension, and says where it has not", async () => {
    const watched = await openPage(browser);
    const { page } = watched;
    try {
      await signInAsAnalyst(page);
      const filters = page.getByRole("group", { name: "Filtres" });
      await filters.getByLabel("Région").selectOption("06");
      await filters.getByLabel("Milieu").selectOption("URBAN");
      await page.waitForFunction(
        () => document.querySelector("#population-table tbody tr")?.getAttribute("data-key") === "06|URBAN",
      );
      await page.waitForFunction(() => document.querySelectorAll("[aria-busy=true]").length === 0);

      type Cell = Withheld & { region: string | null; milieu: string | null; count: number | null };
      const population = await api<{ populationStatistics: Cell[] }>(
        "{ populationStatistics(by: [REGION, MILIEU]) { region milieu count suppressed { measure reason } } }",
      );
      const urban06 = population.populationStatistics.filter((c) => c.region === "06" && c.milieu === "URBAN");
      expectFigures(await rowsOf(page, "population-table"), urban06, (c) => `${c.region}|${c.milieu}`, {
        count: (c) => c.count,
      });
      expect((await rowsOf(page, "households-table")).map((r) => r.key)).toEqual(["06|URBAN"]);
      // Coverage and direct aid have regions but no milieu: the region's rows, and a note.
      const coverage = await rowsOf(page, "coverage-table");
      expect(coverage.length).toBeGreaterThan(0);
      expect(coverage.every((row) => row.key.startsWith("06|"))).toBe(true);
      await expect(page.locator("#coverage").textContent()).resolves.toContain("pas ventilé par milieu");
      expect((await rowsOf(page, "direct-aid-region-table")).map((r) => r.key)).toEqual(["06"]);
      await expect(page.locator("#index").textContent()).resolves.toContain("les filtres ne s'y appliquent pas");
    } finally {
      await closePage(watched);
    }
  });

  it("exports a table as CSV with exactly what it shows", async () => {
    const watched = await openPage(browser);
    const { page } = watched;
    try {
      await signInAsAnalyst(page);
      const shown = await rowsOf(page, "households-table");
      const [download] = await Promise.all([
        page.waitForEvent("download"),
        page.getByRole("button", { name: /Exporter en CSV — Ménages du registre social/ }).click(),
      ]);
      expect(download.suggestedFilename()).toMatch(/^households-\d{4}-\d{2}-\d{2}\.csv$/);
      const csv = readFileSync((await download.path()) ?? "", "utf8").replace(/^\ufeff/, "");
      const [header = [], ...lines] = parseCsv(csv);
      expect(header.join(",")).toBe(
        "Région,Ménages,Membres,Ménages avec un indice,Éligibles AMO-Tadamon,Éligibles aide directe,Part éligible AMO-Tadamon,Part éligible aide directe,masqué",
      );
      expect(lines).toHaveLength(shown.length);
      const labels = await page.$$eval("#households-table tbody tr th", (ths) => ths.map((th) => th.textContent ?? ""));
      for (const [index, fields] of lines.entries()) {
        const row = shown[index];
        expect(fields[0]).toBe(labels[index]);
        for (const [i, measure] of [
          "households",
          "members",
          "scored",
          "eligibleAmoTadamon",
          "eligibleDirectAid",
        ].entries()) {
          const text = row?.cells[measure] ?? "";
          expect(/masqué/.test(text) ? "" : digits(text)).toBe(fields[i + 1]);
        }
        // Shares: four decimals in the file, the same figure rounded on the page.
        const shareText = row?.cells.shareAmoTadamon ?? "";
        if (!/masqué|sans objet/.test(shareText)) {
          expect(percentFr.format(Number(fields[6]))).toBe(shareText);
        }
        // The last column names each withheld value of the row, with its reason.
        const keys = Object.keys(row?.cells ?? {});
        const named = keys.flatMap((key, i) =>
          /masqué \((.+)\)/.test(row?.cells[key] ?? "")
            ? [`${header[i + 1]}: ${/masqué \((.+)\)/.exec(row?.cells[key] ?? "")?.[1]}`]
            : [],
        );
        expect(fields[8]).toBe(named.join("; "));
      }
    } finally {
      await closePage(watched);
    }
  });

  it("renders Arabic right to left, translated, with no accessibility violation (nor in French)", async () => {
    const watched = await openPage(browser);
    const { page } = watched;
    try {
      await page.goto(`${system.gatewayUrl}/login`);
      await page.getByLabel("Habilitation").waitFor();
      await checkAccessibility(page);
      await page.getByLabel("Langue").selectOption("ar");
      await expect(page.evaluate(() => [document.documentElement.lang, document.documentElement.dir])).resolves.toEqual(
        ["ar", "rtl"],
      );
      await expect(page.locator("h1").textContent()).resolves.toBe("تسجيل الدخول إلى المنصة");
      await checkAccessibility(page);

      // The choice outlives the sign-in; the dashboard is laid out right to left.
      const grant = page.getByLabel("الترخيص");
      await grant.selectOption((await grant.locator("option", { hasText: "(MSPS)" }).getAttribute("value")) ?? "");
      await page.getByRole("button", { name: "تسجيل الدخول" }).click();
      await page.waitForURL(`${system.gatewayUrl}/dashboard`);
      await waitForTables(page);
      const layout = await page.evaluate(() => {
        const title = document.querySelector("h1") as HTMLElement;
        // The heading's text, not its box (a block spans the whole width either way).
        const range = document.createRange();
        range.selectNodeContents(title);
        const text = range.getBoundingClientRect();
        const page = (document.querySelector("main") as HTMLElement).getBoundingClientRect();
        return {
          direction: getComputedStyle(title).direction,
          title: title.textContent,
          // Right to left: the text starts at the page's right edge and stops short of its left.
          gapRight: Math.round(page.right - text.right) < 40,
          gapLeft: Math.round(text.left - page.left) > 100,
        };
      });
      expect(layout).toEqual({
        direction: "rtl",
        title: "لوحة قيادة الحماية الاجتماعية",
        gapRight: true,
        gapLeft: true,
      });
      await checkAccessibility(page);
    } finally {
      await closePage(watched);
    }
  });
});
