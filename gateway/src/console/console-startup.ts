import { access } from "node:fs/promises";
import path from "node:path";
import type { ConsoleSettings } from "../env.js";

/**
 * What stops the gateway from serving the console, checked at start-up: in production the build
 * must be there (an operator who does not want it says CONSOLE=off); wherever sign-in goes to an
 * identity provider, the gateway must trust that provider's tokens, or every sign-in would end in
 * a console whose every request is refused. One line per problem, naming the setting.
 */
export async function consoleStartupProblems(
  settings: ConsoleSettings,
  trusted: readonly { issuer: string }[],
  production: boolean,
): Promise<string[]> {
  const problems: string[] = [];
  if (production) {
    try {
      await access(path.join(settings.dir, "index.html"));
    } catch {
      problems.push(
        `CONSOLE_DIR: no built console at ${settings.dir} (build it with npm run build, or set CONSOLE=off)`,
      );
    }
  }
  const oidc = settings.oidc;
  if (oidc && !trusted.some((issuer) => issuer.issuer === oidc.issuer)) {
    problems.push(
      `CONSOLE_OIDC_ISSUER: ${oidc.issuer} is not one of the gateway's trusted issuers (GATEWAY_ISSUERS_FILE): its tokens would be refused`,
    );
  }
  return problems;
}
