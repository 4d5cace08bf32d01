import type { NoteKey } from "@spx/runtime/tlog";
import type { GatewayEnv } from "../env.js";
import { accessLogSigner } from "../keys.js";
import type { AccessLogKeys } from "./published-keys.js";

/** A note key without its signing function: what is published and verified with. */
export function publicNoteKey(key: NoteKey): NoteKey {
  return { name: key.name, keyId: key.keyId, type: key.type, publicKey: key.publicKey };
}

/** The access log's public keys as configured: its own (from its signing key) and the witnesses'. */
export async function accessLogKeys(env: GatewayEnv): Promise<AccessLogKeys> {
  const signer = await accessLogSigner(env);
  return { origin: env.accessLogOrigin, log: publicNoteKey(signer), witnesses: env.accessLogWitnesses };
}
