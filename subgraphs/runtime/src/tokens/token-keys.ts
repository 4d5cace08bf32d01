import { createHash, createSecretKey, hkdfSync, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";

/**
 * The keys of the gateway's tokens to the registers (internal-token.ts). The gateway holds one
 * master secret; each register holds only the key derived from it for its own name, so that a
 * register's key opens no other register and tells nothing about the master:
 * K_register = HKDF-SHA256(master, salt "spx-internal-token", info "register:<name>", 32 bytes).
 */
const SALT = "spx-internal-token";
const KID_LABEL = "spx-internal-token kid\n";
/** HMAC-SHA256 keys of 256 bits: the master at least, each register's key exactly. */
export const TOKEN_KEY_BYTES = 32;
const KID_LENGTH = 16;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const KID_PATTERN = /^[A-Za-z0-9_-]{16}$/;

/** One register's key, under the id of the master it was derived from. */
export interface RegisterTokenKey {
  kid: string;
  key: KeyObject;
}

/**
 * The id of a master secret, carried by every token it keys: a hash of a fixed label and the
 * secret, cut to 96 bits, which tells which secret without telling anything about it.
 */
export function tokenSecretKid(master: Uint8Array): string {
  return createHash("sha256").update(KID_LABEL).update(master).digest("base64url").slice(0, KID_LENGTH);
}

/** The key of one register, from the master. */
export function deriveRegisterKey(master: Uint8Array, register: string): RegisterTokenKey {
  const key = Buffer.from(hkdfSync("sha256", master, SALT, `register:${register}`, TOKEN_KEY_BYTES));
  return { kid: tokenSecretKid(master), key: createSecretKey(key) };
}

/** A register's key as a register is configured with it (GATEWAY_TOKEN_KEYS): `kid.key`. */
export function tokenKeyEntry({ kid, key }: RegisterTokenKey): string {
  return `${kid}.${key.export().toString("base64url")}`;
}

/** Strict base64url (no padding, no stray characters), or undefined. */
function base64url(text: string): Buffer | undefined {
  if (!BASE64URL.test(text)) {
    return undefined;
  }
  const bytes = Buffer.from(text, "base64url");
  // Buffer ignores the last character's spare bits: only the canonical spelling is one.
  return bytes.toString("base64url") === text ? bytes : undefined;
}

/**
 * The gateway's master secret (GATEWAY_TOKEN_SECRET or its file): base64url, at least 32 bytes.
 * Messages name the setting and never quote the secret.
 */
export function parseTokenSecret(text: string, setting: string): Buffer {
  const secret = base64url(text.trim());
  if (!secret) {
    throw new Error(`${setting}: not base64url (e.g. \`openssl rand 32 | basenc --base64url | tr -d =\`)`);
  }
  if (secret.length < TOKEN_KEY_BYTES) {
    throw new Error(`${setting}: ${secret.length} bytes decoded, at least ${TOKEN_KEY_BYTES} required`);
  }
  return secret;
}

/**
 * A register's keys (GATEWAY_TOKEN_KEYS or its file): `kid.key` entries separated by commas or
 * newlines, as `npm run -s token-key -- <register>` prints them. Messages never quote a key.
 */
export function parseTokenKeys(text: string, setting: string): RegisterTokenKey[] {
  const entries = text.split(/[\s,]+/).filter(Boolean);
  if (entries.length === 0) {
    throw new Error(`${setting}: no key (entries kid.key, as \`npm run -s token-key -- <register>\` prints them)`);
  }
  const keys = new Map<string, RegisterTokenKey>();
  entries.forEach((entry, index) => {
    const [kid = "", encoded = "", ...rest] = entry.split(".");
    const key = base64url(encoded);
    if (rest.length > 0 || !KID_PATTERN.test(kid) || key?.length !== TOKEN_KEY_BYTES) {
      throw new Error(
        `${setting}: entry ${index + 1} is not kid.key (a 16-character id, a dot, 32 bytes in base64url)`,
      );
    }
    const known = keys.get(kid);
    if (known && !known.key.equals(createSecretKey(key))) {
      throw new Error(`${setting}: two different keys under the id ${kid}`);
    }
    keys.set(kid, { kid, key: createSecretKey(key) });
  });
  return [...keys.values()];
}

/** Where a register's keys come from: fixed, or a file that may change under it (a mounted secret). */
export type TokenKeysSource = { keys: RegisterTokenKey[] } | { file: string };

/** How often an unknown kid may make a register read its key file again. */
export const TOKEN_KEYS_REREAD_MS = 30_000;

/**
 * The keys a register accepts tokens under, by kid. A rotation gives registers the new key beside
 * the old one before the gateway switches, and drops the old one after. From a file, the register
 * reads it again at most once per 30 s when a token arrives (so that a stream of made-up kids costs
 * nothing), and a Kubernetes secret's update is taken without a restart.
 */
export class TokenKeyring {
  private keys: ReadonlyMap<string, KeyObject>;
  private readAtMs: number;

  private constructor(
    keys: RegisterTokenKey[],
    private readonly file: string | undefined,
    private readonly options: { rereadAfterMs: number; now: () => number },
  ) {
    this.keys = new Map(keys.map(({ kid, key }) => [kid, key]));
    this.readAtMs = options.now();
  }

  static of(keys: RegisterTokenKey[]): TokenKeyring {
    return new TokenKeyring(keys, undefined, { rereadAfterMs: TOKEN_KEYS_REREAD_MS, now: Date.now });
  }

  /** Read now (a defect refuses the start), and again on an unknown kid. */
  static fromFile(file: string, options: { rereadAfterMs?: number; now?: () => number } = {}): TokenKeyring {
    return new TokenKeyring(readKeyFile(file), file, {
      rereadAfterMs: options.rereadAfterMs ?? TOKEN_KEYS_REREAD_MS,
      now: options.now ?? Date.now,
    });
  }

  static from(source: TokenKeysSource): TokenKeyring {
    return "file" in source ? TokenKeyring.fromFile(source.file) : TokenKeyring.of(source.keys);
  }

  /** The ids of the master secrets whose keys this register holds. */
  get kids(): string[] {
    return [...this.keys.keys()];
  }

  /**
   * The key of `kid`, or undefined when this register holds none, even after reading its file
   * again. The file is read again at most once per 30 s, on the first token after that: one under
   * an unknown kid is then accepted once its key is there, and a key dropped from the file is
   * refused from then on, so that both ends of a rotation need no restart.
   */
  key(kid: string): KeyObject | undefined {
    if (!this.file || this.options.now() - this.readAtMs < this.options.rereadAfterMs) {
      return this.keys.get(kid);
    }
    this.readAtMs = this.options.now();
    try {
      this.keys = new Map(readKeyFile(this.file).map((entry) => [entry.kid, entry.key]));
    } catch {
      // A file caught half-written or removed leaves the keys as they were: the next try is 30 s away.
    }
    return this.keys.get(kid);
  }
}

function readKeyFile(file: string): RegisterTokenKey[] {
  return parseTokenKeys(readFileSync(file, "utf8"), "GATEWAY_TOKEN_KEYS_FILE");
}
