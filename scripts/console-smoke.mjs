// The console as a new user meets it on `npm start` (run by scripts/smoke.mjs once the system is
// ready, on the embedded default): in Debian's Chromium, an MSPS analyst signs in through the
// development picker and sees the dashboard's figures and their as-of time; an ANSS case worker of
// the demo person's region opens that person's file; the person, signed in as a citizen, sees that
// read in "who read my data". No page may request anything outside 127.0.0.1.
import { chromium } from "playwright-core";

const DEMO_IDCS = "1062609475";

/**
 * Signs in at `${base}/login` through the picker (French labels, the default language).
 * @param {import("playwright-core").Page} page
 * @param {string} base
 * @param {{ grant: string, region?: string, purpose: string }} choice
 */
async function signIn(page, base, { grant, region, purpose }) {
  await page.goto(`${base}/login`);
  await page.getByLabel("Habilitation").selectOption(grant);
  if (region) {
    await page.getByLabel("Région de rattachement").selectOption(region);
  }
  await page.locator(`input[name="purpose"][value="${purpose}"]`).check();
  await page.getByRole("button", { name: "Se connecter" }).click();
  await page.waitForURL((url) => !url.pathname.startsWith("/login"));
}

/**
 * @param {{ base: string, region: string, lastName: string }} options the demo person's region and family name
 * @returns {Promise<string>} what was seen
 */
export async function consoleSmoke({ base, region, lastName }) {
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
  /** @type {string[]} */
  const outside = [];
  try {
    const open = async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      page.setDefaultTimeout(20_000);
      page.on("request", (request) => {
        const host = new URL(request.url()).hostname;
        if (!["127.0.0.1", "localhost"].includes(host) && !request.url().startsWith("data:")) {
          outside.push(request.url());
        }
      });
      return page;
    };

    const analyst = await open();
    await signIn(analyst, base, { grant: "MSPS:ANALYST", purpose: "STATISTICS" });
    await analyst.getByRole("heading", { level: 1 }).waitFor();
    const firstFigure = analyst.locator("table.data tbody tr td").first();
    await firstFigure.waitFor();
    const asOf = (await analyst.locator("[data-testid$='-as-of']").first().textContent()) ?? "";
    if (!/\d{4}/.test(asOf)) {
      throw new Error(`the dashboard shows no as-of time (${asOf})`);
    }

    const caseWorker = await open();
    await signIn(caseWorker, base, { grant: "ANSS:CASE_WORKER", region, purpose: "CASE_MANAGEMENT" });
    await caseWorker.goto(`${base}/desk/person/${DEMO_IDCS}`);
    const identity = caseWorker.getByTestId("section-identity");
    await identity.waitFor();
    await caseWorker.getByTestId("section-aid").waitFor();
    if (!((await identity.textContent()) ?? "").includes(lastName)) {
      throw new Error("the desk does not show the demo person's file");
    }

    const citizen = await open();
    await signIn(citizen, base, { grant: "-:CITIZEN", purpose: "SELF_SERVICE" });
    const access = citizen.getByTestId("section-access");
    await access.waitFor();
    await citizen.getByTestId("data-access").first().waitFor();
    if (!((await access.textContent()) ?? "").includes("ANSS")) {
      throw new Error("the citizen does not see the case worker's read in who read my data");
    }
    if (outside.length > 0) {
      throw new Error(`the console requested addresses outside 127.0.0.1: ${outside.slice(0, 3).join(", ")}`);
    }
    return "dashboard, desk and citizen's page signed in through the picker, the case worker's read shown to the citizen, nothing requested outside 127.0.0.1";
  } finally {
    await browser.close();
  }
}
