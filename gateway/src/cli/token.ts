import { parseArgs } from "node:util";
import { accessOf } from "@spx/runtime/access-catalogue";
import { callerSchema } from "@spx/runtime/caller";
import { mintToken } from "@spx/runtime/caller-token";
import { refuseInProduction } from "@spx/runtime/production";
import { loadEnv } from "../env.js";
import { devIssuerKey } from "../keys.js";

/*
 * Prints a development token signed by the local issuer under DATA_DIR, and nothing else, so that
 * `TOKEN=$(npm run -s token -- --agency ANR --role SYSTEM)` works.
 */
const usage = `Usage: npm run -s token -- --role ROLE [--agency AGENCY] [--region 01..12] [--idcs IDCS]
                            [--purpose PURPOSE] [--sub SUBJECT] [--ttl SECONDS]`;

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
      ttl: { type: "string", default: "3600" },
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
  const ttlSeconds = Number(values.ttl);
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > 86_400) {
    process.stderr.write(`--ttl must be 1 to 86400 seconds\n${usage}\n`);
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
