/**
 * Counts of gateway tokens a subgraph refused, by a fixed small set of reasons, served at /metrics.
 * The reasons are coarse on purpose: a label never carries anything from the token itself.
 */
import { Counter, type Registry } from "prom-client";
import { type BoundedCounter, boundedCounter } from "../metrics/bounded-labels.js";

export const REJECTION_REASONS = [
  "missing",
  "malformed",
  "signature",
  "expired",
  "claims",
  "document",
  "replayed",
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

/** Maps a verifier's reason (a jose error code or ours) onto the metric's reasons. */
export function rejectionReasonOf(reason: string): RejectionReason {
  switch (reason) {
    case "ERR_JWS_INVALID":
    case "ERR_JOSE_NOT_SUPPORTED":
      return "malformed";
    case "ERR_JWS_SIGNATURE_VERIFICATION_FAILED":
    case "ERR_JOSE_ALG_NOT_ALLOWED":
    case "ERR_JWK_INVALID":
    case "ERR_JWKS_NO_MATCHING_KEY":
    case "ERR_JWKS_MULTIPLE_MATCHING_KEYS":
    case "ERR_JWKS_TIMEOUT":
      return "signature";
    case "ERR_JWT_EXPIRED":
      return "expired";
    case "document":
      return "document";
    default:
      return "claims";
  }
}

export class TokenRejections {
  private readonly counts = new Map<RejectionReason, number>(REJECTION_REASONS.map((reason) => [reason, 0]));
  private readonly rejected: BoundedCounter<"reason"> | undefined;
  private readonly replays: Counter | undefined;

  /** With a registry, the counts are served there (every reason, zeros included, so that a rate is defined from the start). */
  constructor(registry?: Registry) {
    if (!registry) {
      return;
    }
    this.replays = new Counter({
      name: "spx_internal_token_replays_total",
      help: "Gateway tokens presented again after their first use, refused.",
      registers: [registry],
    });
    this.rejected = boundedCounter(registry, {
      name: "spx_internal_token_rejections_total",
      help: "Gateway tokens refused, by reason.",
      labels: { reason: REJECTION_REASONS },
    });
    for (const reason of REJECTION_REASONS) {
      this.rejected.zero({ reason });
    }
  }

  add(reason: RejectionReason): void {
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + 1);
    this.rejected?.inc({ reason });
    if (reason === "replayed") {
      this.replays?.inc();
    }
  }

  count(reason: RejectionReason): number {
    return this.counts.get(reason) ?? 0;
  }
}
