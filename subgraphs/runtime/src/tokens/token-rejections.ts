/**
 * Counts of gateway tokens a subgraph refused, by a fixed small set of reasons, served at /metrics.
 * The reasons are coarse on purpose: a label never carries anything from the token itself.
 */
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

  add(reason: RejectionReason): void {
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + 1);
  }

  count(reason: RejectionReason): number {
    return this.counts.get(reason) ?? 0;
  }

  /** Prometheus text: every reason, zeros included, so that a rate over them is defined from the start. */
  metrics(): string {
    const lines = [
      "# HELP spx_internal_token_replays_total Gateway tokens presented again after their first use, refused.",
      "# TYPE spx_internal_token_replays_total counter",
      `spx_internal_token_replays_total ${this.count("replayed")}`,
      "# HELP spx_internal_token_rejections_total Gateway tokens refused, by reason.",
      "# TYPE spx_internal_token_rejections_total counter",
      ...REJECTION_REASONS.map(
        (reason) => `spx_internal_token_rejections_total{reason="${reason}"} ${this.count(reason)}`,
      ),
    ];
    return `${lines.join("\n")}\n`;
  }
}
