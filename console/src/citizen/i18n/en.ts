import type { Messages } from "../../i18n/messages.js";
import type { fr } from "./fr.js";

export const en: Messages<typeof fr> = {
  title: "My file",
  intro: "What the social protection registers know about you and your household, and who read it.",
  loading: "Loading your file…",
  failed: "Your file could not be loaded: {{reason}}",
  missing: "No file matches your identifier.",
  access: {
    title: "Who read my data",
    intro:
      "Every reading of your data by an administration is recorded, with its purpose. Your own readings are not listed.",
    none: "Nobody has read your data yet.",
    at: "Date",
    agency: "Administration",
    purpose: "Purpose",
    kinds: "Data read",
    more: "Older readings",
    loading: "Loading…",
    failed: "The list of readings could not be loaded: {{reason}}",
    proof: "Proof",
    proofIntro:
      "Every reading is written in a verifiable log. Its proof is a file you can verify offline, from the project's repository, with the service's public keys.",
    proofDownload: "Download proof",
    proofOf: "of log entry {{index}}",
    proofVerify: "To verify it:",
    proofWitnessed: "Checkpoint cosigned by the witness.",
    proofNotWitnessed: "Checkpoint not yet cosigned by the witness.",
    proofPending: "Proof pending: the reading is not in a signed checkpoint yet.",
  },
  attestation: {
    title: "Eligibility attestation",
    intro:
      "An attestation signed by the social register says whether your household is eligible for a programme, without showing your index. It is valid for 24 hours.",
    program: "Programme",
    download: "Download the attestation",
    downloading: "Preparing…",
    result: "Attestation of {{asOf}}: {{eligible}}, valid until {{expiresAt}}.",
    eligible: "eligible",
    notEligible: "not eligible",
    failed: "The attestation could not be obtained: {{reason}}",
    verifyTitle: "Verify the attestation",
    verify: "Anyone can verify it offline with the service's public keys ({{jwks}}). From the project's repository:",
  },
};
