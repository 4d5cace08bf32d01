import type { Caller } from "../access/caller.js";
import { devKeyFiles } from "../tokens/dev-keys.js";
import { loadOrCreateSecret } from "../tokens/keys.js";

/**
 * The registers' clients at the development token endpoint (the gateway's /dev-issuer/token),
 * each with the identity its tokens carry, as an identity provider would hold them in production.
 * The client id is the register's name.
 */
export const DEV_CLIENTS = {
  // ANR runs the RSU.
  "social-registry": { sub: "service:social-registry", agency: "ANR", role: "SERVICE", purpose: "IDENTITY_CHECK" },
  // CNSS manages AMO: a register asking other registers, granted exactly what `registers.ts` asks.
  "health-insurance": { sub: "service:health-insurance", agency: "CNSS", role: "SERVICE", purpose: "AMO_ENROLMENT" },
  // ANSS runs direct aid, granted by the catalogue what its `registers.ts` reads.
  "direct-aid": { sub: "service:direct-aid", agency: "ANSS", role: "SERVICE", purpose: "ASD_ELIGIBILITY" },
} as const satisfies Record<string, Caller>;

export type DevClientId = keyof typeof DEV_CLIENTS;

export const isDevClient = (clientId: string): clientId is DevClientId => Object.hasOwn(DEV_CLIENTS, clientId);

/**
 * A development client's secret under DATA_DIR, created by whichever process needs it first (the
 * gateway answering or the register asking); refused in production.
 */
export const devClientSecret = (dataDir: string, clientId: DevClientId): string =>
  loadOrCreateSecret(devKeyFiles(dataDir).clientSecret(clientId));
