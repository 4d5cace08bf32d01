import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import axe from "axe-core";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";

/*
 * The console's browser tests drive Debian's Chromium (not a downloaded one: `npx playwright
 * install` cannot reach its host here) through playwright-core. Every page is watched for what a
 * user would never see but must never happen: a request to anything but this machine (a CDN font,
 * an external image), a Content-Security-Policy violation, a console error or an uncaught
 * exception. Requests elsewhere are also blocked, so that a test cannot pass by reaching the
 * internet. `expectClean()` fails with the list; `closePage()` calls it.
 */

/** Where Debian's chromium package puts the browser (`.ci/run` installs it when missing). */
export const CHROMIUM = "/usr/bin/chromium";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
/** The README's screenshots: made by the same tests that check the pages. */
export const SCREENSHOTS_DIR = path.join(ROOT, "docs/console");

const LOCAL_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** Whether a request stays on this machine (data: and blob: URLs never leave the page). */
export function isLocalUrl(url: string): boolean {
  if (url.startsWith("data:") || url.startsWith("blob:") || url === "about:blank") {
    return true;
  }
  try {
    const parsed = new URL(url);
    return (parsed.protocol === "http:" || parsed.protocol === "https:") && LOCAL_HOSTS.has(parsed.hostname);
  } catch {
    return false;
  }
}

/** Headless Chromium from Debian's package; fails, never skips, when it is not installed. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium), as .ci/run does`);
  }
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox"] });
}

export interface WatchOptions {
  /** Console errors a test expects (e.g. a refused request it provokes), matched by their text. */
  expectedConsoleErrors?: RegExp[];
  /** The page's language and locale (Accept-Language, `navigator.language`); default fr-MA. */
  locale?: string;
  /** Viewport; default 1280×800. */
  viewport?: { width: number; height: number };
  /**
   * Whether the page may send GraphQL text. The console may not: it sends the ids of its
   * registered documents only, so that it runs under grants served trusted documents alone.
   */
  graphqlText?: boolean;
}

export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  /** Every URL the page requested, in order (documents, scripts, fetches, images…). */
  readonly requests: readonly string[];
  /** What went wrong so far: requests elsewhere, CSP violations, console errors, page errors. */
  problems(): string[];
  /** Throws, listing every problem, unless there is none. */
  expectClean(): void;
}

interface Violation {
  directive: string;
  blocked: string;
  source: string;
}

/** Whether a GraphQL request body (or each of a batch) carries a document's text. */
function sendsGraphqlText(body: string | null): boolean {
  if (!body) {
    return false;
  }
  try {
    const parsed: unknown = JSON.parse(body);
    const operations = Array.isArray(parsed) ? parsed : [parsed];
    return operations.some((operation) => typeof operation === "object" && operation !== null && "query" in operation);
  } catch {
    return true;
  }
}

/** A new context and page whose requests, CSP violations and errors are recorded. */
export async function openPage(browser: Browser, options: WatchOptions = {}): Promise<WatchedPage> {
  const context = await browser.newContext({
    locale: options.locale ?? "fr-MA",
    viewport: options.viewport ?? { width: 1280, height: 800 },
    // Reduced motion: screenshots and focus checks do not catch a transition half-way.
    reducedMotion: "reduce",
  });
  const requests: string[] = [];
  const problems: string[] = [];
  // Blocked as well as reported: nothing reaches another host even when a test forgets to look.
  await context.route("**/*", async (route) => {
    const url = route.request().url();
    if (isLocalUrl(url)) {
      await route.continue();
    } else {
      await route.abort("blockedbyclient");
    }
  });
  context.on("request", (request) => {
    const url = request.url();
    requests.push(url);
    if (!isLocalUrl(url)) {
      problems.push(`request outside 127.0.0.1: ${request.method()} ${url}`);
    }
    if (!options.graphqlText && new URL(url).pathname === "/graphql" && sendsGraphqlText(request.postData())) {
      problems.push(`GraphQL text sent instead of a registered document's id: ${request.method()} ${url}`);
    }
  });
  await context.exposeBinding("__reportCspViolation", (_source, violation: Violation) => {
    problems.push(
      `CSP violation: ${violation.directive} blocked ${violation.blocked || "(inline)"} in ${violation.source}`,
    );
  });
  // Init scripts run before the page's own, outside its CSP; the event fires for every violation.
  await context.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      const report = (window as unknown as { __reportCspViolation?: (v: Violation) => void }).__reportCspViolation;
      report?.({ directive: event.violatedDirective, blocked: event.blockedURI, source: event.sourceFile });
    });
  });
  const page = await context.newPage();
  const expected = options.expectedConsoleErrors ?? [];
  page.on("console", (message) => {
    if (message.type() === "error" && !expected.some((pattern) => pattern.test(message.text()))) {
      problems.push(`console error: ${message.text()}`);
    }
  });
  page.on("pageerror", (error) => problems.push(`uncaught exception: ${error.message}`));
  return {
    page,
    context,
    requests,
    problems: () => [...problems],
    expectClean() {
      if (problems.length > 0) {
        throw new Error(`The page was not clean:\n  ${problems.join("\n  ")}`);
      }
    },
  };
}

/** Closes the page's context, then fails if anything went wrong on it. */
export async function closePage(watched: WatchedPage): Promise<void> {
  await watched.context.close();
  watched.expectClean();
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  helpUrl: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

/**
 * Runs axe-core (WCAG 2.x A and AA rules, and best practices) on the page as it is now, and fails
 * with a readable list of every violation and where. Injected through the DevTools protocol, so
 * that the page's CSP (no inline script) stays as strict as it is served.
 */
export async function checkAccessibility(page: Page, options: { exclude?: string[] } = {}): Promise<void> {
  const loaded = await page.evaluate(() => typeof (window as unknown as { axe?: unknown }).axe !== "undefined");
  if (!loaded) {
    await page.evaluate(axe.source);
  }
  const violations = await page.evaluate(async (exclude: string[]) => {
    const engine = (window as unknown as { axe: typeof axe }).axe;
    const result = await engine.run({ include: [document], exclude: exclude.map((selector) => [selector]) } as never, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
    });
    return result.violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact ?? null,
      help: violation.help,
      helpUrl: violation.helpUrl,
      nodes: violation.nodes.map((node) => ({
        target: node.target.map(String),
        failureSummary: node.failureSummary,
      })),
    }));
  }, options.exclude ?? []);
  if (violations.length > 0) {
    throw new Error(`Accessibility violations on ${page.url()}:\n${describeViolations(violations)}`);
  }
}

function describeViolations(violations: AxeViolation[]): string {
  return violations
    .map((violation) => {
      const where = violation.nodes
        .slice(0, 5)
        .map(
          (node) =>
            `      ${node.target.join(" ")}${node.failureSummary ? `: ${node.failureSummary.replace(/\s+/g, " ")}` : ""}`,
        )
        .join("\n");
      const more = violation.nodes.length > 5 ? `\n      … and ${violation.nodes.length - 5} more` : "";
      return `  [${violation.impact ?? "?"}] ${violation.id}: ${violation.help}\n${where}${more}`;
    })
    .join("\n");
}

/** Saves a full-page PNG at docs/console/<name>.png (the README shows these) and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) {
    throw new Error(`a screenshot's name is lowercase letters, digits and dashes: ${name}`);
  }
  mkdirSync(SCREENSHOTS_DIR, { recursive: true });
  const file = path.join(SCREENSHOTS_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true, animations: "disabled" });
  return file;
}
