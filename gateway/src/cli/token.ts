import { parseArgs } from "node:util";
import { refuseInProduction } from "@spx/runtime/config";
import { mintToken } from "@spx/runtime/tokens";
import { devCaller } from "../dev-caller.js";
import { loadEnv } from "../env.js";
import { devIssuerKey } from "../keys.js";

/*
 * Prints a development token signed by the local issuer under DATA_DIR, and nothing else, so that
 * `TOKEN=$(npm run -s token -- --agency ANR --role SYSTEM)` works.
 */
const usage = `Usage: npm run -s token -- --role ROLE [--agency AGENCY] [--region 01..12] [--idcs IDCS]
                            [--purpose PURPOSE] [--sub SUBJECT] [--ttl SECONDS]
(--ttl defaults to the longest the catalogue allows the grant: 1 h, 15 min for citizens)`;

try {
  refuseInProduction("The token CLI", "tokens come from the identity provider");
  const { values } = parseArgs({
    options: {
      agency: { type: "string" },
      role: { type: "string" },
      region: { type: "string" },
      idcs: { type: "string" },
      purpose: { type: "string" },
      sub: { type: "string" },
      ttl: { type: "string" },
    },
    strict: true,
  });
  const checked = devCaller(values, (agency, role) => `dev:${agency.toLowerCase()}:${role.toLowerCase()}`);
  if (!checked.ok) {
    // The shared check names each setting; here they are flags.
    const problems = checked.problems.map((problem) => `  --${problem}`).join("\n");
    process.stderr.write(`${problems}\n${usage}\n`);
    process.exit(2);
  }
  const { caller, ttlSeconds, allowedPurposes: allowed } = checked;
  if (!caller.purpose) {
    process.stderr.write(`No --purpose: each request must then send the header X-Purpose (${allowed.join(", ")})\n`);
  }
  const env = loadEnv();
  const token = await mintToken(await devIssuerKey(env), caller, {
    issuer: env.issuer,
    audience: env.audience,
    ttlSeconds,
  });
  process.stdout.write(`${token}\n`);
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n${usage}\n`);
  process.exit(2);
}
