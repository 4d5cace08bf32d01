import type { Page } from "playwright-core";

/*
 * Signing in to the console as a person does in development: the sign-in page's picker (grant,
 * region or IDCS, purpose), which asks the gateway's development issuer for a token. Labels are
 * the French ones (the console's default language), so that a test also shows the page works
 * without choosing a language first.
 */
export interface PickerChoice {
  agency?: string;
  role: string;
  region?: string;
  idcs?: string;
  purpose: string;
}

/** Signs in at `${baseUrl}/login` and waits for the page the grant lands on. */
export async function signInThroughPicker(page: Page, baseUrl: string, choice: PickerChoice): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  await page.getByLabel("Habilitation").selectOption(`${choice.agency ?? "-"}:${choice.role}`);
  if (choice.region) {
    await page.getByLabel("Région de rattachement").selectOption(choice.region);
  }
  if (choice.idcs) {
    await page.getByLabel("IDCS (identifiant civil et social)").fill(choice.idcs);
  }
  await page.locator(`input[name="purpose"][value="${choice.purpose}"]`).check();
  await page.getByRole("button", { name: "Se connecter" }).click();
  await page.waitForURL((url) => !url.pathname.startsWith("/login"));
  // Pages are loaded on demand: the landing page is there once its heading is.
  await page.locator("main h1").first().waitFor();
}
