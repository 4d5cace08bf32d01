import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { CheckpointStore, StoredCheckpoint } from "@spx/gateway/access-log/checkpoints";
import { publicNoteKey } from "@spx/gateway/access-log/log-keys";
import { type AccessLogKeys, accessLogJwks } from "@spx/gateway/access-log/published-keys";
import { addSignatureLines, checkpointText, cosignatureLine, type NoteSigner, noteSigner } from "@spx/runtime/tlog";

export const TEST_ORIGIN = "test.spx.localhost/access-log";
export const TEST_WITNESS = "witness.test.localhost";

/** A fresh Ed25519 note signer (type 0x01 signs notes, 0x04 cosignatures). */
export function testNoteSigner(name: string, type: 0x01 | 0x04): NoteSigner {
  const { privateKey } = generateKeyPairSync("ed25519");
  return noteSigner(name, privateKey.export({ format: "jwk" }), type);
}

/**
 * The log's key and a witness of its own for a test: the witness cosigns what it is given and
 * remembers the latest note it cosigned, apart from the log's database (what an attacker of the
 * database cannot reach), as a witness would answer at `/checkpoint`.
 */
export class TestWitnessedLog {
  constructor(
    /** The log's key (a fresh one unless the system under test has its own). */
    readonly log: NoteSigner = testNoteSigner(TEST_ORIGIN, 0x01),
    readonly origin: string = TEST_ORIGIN,
  ) {}

  readonly witness = testNoteSigner(TEST_WITNESS, 0x04);
  /** The latest cosigned note, as the witness keeps it. */
  latest: string | undefined;

  keys(): AccessLogKeys {
    return {
      origin: this.origin,
      log: publicNoteKey(this.log),
      witnesses: [{ name: TEST_WITNESS, url: "http://127.0.0.1:9/unused", key: publicNoteKey(this.witness) }],
    };
  }

  /** Cosigns a stored checkpoint and stores the cosignature, as the witness client would. */
  async cosign(checkpoints: CheckpointStore, checkpoint: StoredCheckpoint): Promise<string> {
    const text = checkpointText({ origin: this.origin, size: checkpoint.size, root: checkpoint.root });
    const line = cosignatureLine(text, this.witness, Math.floor(Date.now() / 1000));
    await checkpoints.addCosignature(checkpoint.size, TEST_WITNESS, line);
    this.latest = addSignatureLines(checkpoint.note, [line]);
    return this.latest;
  }

  /** The published keys as a JWKS file, as `curl …/.well-known/jwks.json > jwks.json` saves them. */
  jwksFile(): string {
    const dir = mkdtempSync(path.join(tmpdir(), "spx-log-keys-"));
    const file = path.join(dir, "jwks.json");
    writeFileSync(file, JSON.stringify({ keys: accessLogJwks(this.keys()) }));
    return file;
  }
}

/** Writes text to a fresh temporary file and returns its path. */
export function tempFile(name: string, text: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "spx-log-")), name);
  writeFileSync(file, text);
  return file;
}
