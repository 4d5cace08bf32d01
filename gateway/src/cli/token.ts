import { parseArgs } from "node:util";
import { accessOf, callerSchema, committedCatalogue } from "@spx/runtime/access";
import { refuseInProduction } from "@spx/runtime/config";
import { mintToken } from "@spx/runtime/tokens";
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
  const parsed = callerSchema.safeParse({
    sub: values.sub ?? `dev:${(values.agency ?? "citizen").toLowerCase()}:${(values.role ?? "").toLowerCase()}`,
    agency: values.agency,
    role: values.role,
    region: values.region,
    idcs: values.idcs,
    purpose: values.purpose,
  });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n");
    process.stderr.write(`${problems}\n${usage}\n`);
    process.exit(2);
  }
  const listed = committedCatalogue().catalogue.agencies.map((agency) => agency.code);
  if (parsed.data.agency !== undefined && !listed.includes(parsed.data.agency)) {
    process.stderr.write(`--agency must be one of the catalogue's: ${listed.join(", ")}\n${usage}\n`);
    process.exit(2);
  }
  // The gateway refuses a token living longer than its grant allows: that is the default, and the most.
  const maxSeconds = committedCatalogue().maxTokenLifetimeSeconds(parsed.data);
  const ttlSeconds = values.ttl === undefined ? maxSeconds : Number(values.ttl);
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > maxSeconds) {
    process.stderr.write(`--ttl must be 1 to ${maxSeconds} seconds for this grant (default ${maxSeconds})\n${usage}\n`);
    process.exit(2);
  }
  const allowed = [...accessOf(parsed.data).purposes];
  if (parsed.data.purpose && !allowed.includes(parsed.data.purpose)) {
    process.stderr.write(`--purpose must be one of: ${allowed.join(", ") || "(none: this grant does not exist)"}\n`);
    process.exit(2);
  }
  if (!parsed.data.purpose) {
    process.stderr.write(`No --purpose: each request must then send the header X-Purpose (${allowed.join(", ")})\n`);
  }
  const env = loadEnv();
  const token = await mintToken(await devIssuerKey(env), parsed.data, {
    issuer: env.issuer,
    audience: env.audience,
    ttlSeconds,
  });
  process.stdout.write(`${token}\n`);
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n${usage}\n`);
  process.exit(2);
}
