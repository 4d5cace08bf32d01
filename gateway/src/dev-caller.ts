import { accessOf, type Caller, callerSchema, committedCatalogue } from "@spx/runtime/access";

/*
 * What a development token may say, checked the same way wherever one is minted: the token CLI
 * (`npm run -s token`) and the console's sign-in picker (`POST /dev-issuer/console-token`). One
 * function, so that the picker can never mint what the CLI would refuse, nor the reverse.
 */

/** A development token's request, as the CLI's flags or the picker's JSON give it (unchecked). */
export interface DevCallerRequest {
  agency?: unknown;
  role?: unknown;
  region?: unknown;
  idcs?: unknown;
  purpose?: unknown;
  sub?: unknown;
  /** Seconds, as text (a flag) or a number; the longest the grant allows when absent. */
  ttl?: unknown;
}

export type DevCallerResult =
  | { ok: true; caller: Caller; ttlSeconds: number; allowedPurposes: string[] }
  | { ok: false; problems: string[] };

const optional = (value: unknown) => (value === null || value === "" ? undefined : value);

/** The caller and lifetime a development token would carry, or every reason it may not be minted. */
export function devCaller(
  request: DevCallerRequest,
  defaultSub: (agency: string, role: string) => string,
): DevCallerResult {
  const agency = optional(request.agency);
  const role = optional(request.role);
  const parsed = callerSchema.safeParse({
    sub:
      optional(request.sub) ??
      defaultSub(typeof agency === "string" ? agency : "citizen", typeof role === "string" ? role : ""),
    agency,
    role,
    region: optional(request.region),
    idcs: optional(request.idcs),
    purpose: optional(request.purpose),
  });
  if (!parsed.success) {
    return { ok: false, problems: parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`) };
  }
  const index = committedCatalogue();
  const listed = index.catalogue.agencies.map((listedAgency) => listedAgency.code);
  if (parsed.data.agency !== undefined && !listed.includes(parsed.data.agency)) {
    return { ok: false, problems: [`agency must be one of the catalogue's: ${listed.join(", ")}`] };
  }
  // The gateway refuses a token living longer than its grant allows: that is the default, and the most.
  const maxSeconds = index.maxTokenLifetimeSeconds(parsed.data);
  const ttl = optional(request.ttl);
  const ttlSeconds = ttl === undefined ? maxSeconds : Number(ttl);
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > maxSeconds) {
    return { ok: false, problems: [`ttl must be 1 to ${maxSeconds} seconds for this grant (default ${maxSeconds})`] };
  }
  const allowedPurposes = [...accessOf(parsed.data).purposes];
  if (parsed.data.purpose && !allowedPurposes.includes(parsed.data.purpose)) {
    return {
      ok: false,
      problems: [`purpose must be one of: ${allowedPurposes.join(", ") || "(none: this grant does not exist)"}`],
    };
  }
  return { ok: true, caller: parsed.data, ttlSeconds, allowedPurposes };
}
