import { createHmac, createSecretKey, randomBytes } from "node:crypto";

/**
 * Subjects and IDCS leave the process only as keyed hashes: an IDCS has ten digits, so a plain or
 * salted hash could be reversed by trying them all; without the key it cannot. Replicas sharing a
 * Redis must share the key, or they would count the same person twice.
 */
export type KeyedHash = (value: string) => string;

export function keyedHash(key: string | Buffer = randomBytes(32)): KeyedHash {
  // Imported once, not at every call.
  const secret = createSecretKey(typeof key === "string" ? Buffer.from(key, "utf8") : key);
  return (value) => createHmac("sha256", secret).update(value, "utf8").digest("base64url").slice(0, 22);
}
