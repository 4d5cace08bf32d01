import {
  addCheckpointBody,
  addSignatureLines,
  checkpointText,
  cosignatureLine,
  formatProofBundle,
  type Hash,
  inclusionProof,
  leafHash,
  memoryNodeSource,
  parseAddCheckpointBody,
  parseProofBundle,
  rootOf,
  signNote,
  verifyProofBundle,
} from "../tlog/index.js";
import { code, signer } from "./tlog-support.js";

const b64 = (h: Uint8Array) => Buffer.from(h).toString("base64");
const hashes = (n: number): Hash[] => Array.from({ length: n }, (_, i) => leafHash(Uint8Array.of(i)));

// The example request body of c2sp.org/tlog-witness, used as data.
const SPEC_BODY = `old 20852014
PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=
jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=
5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=
/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=

example.com/behind-the-sofa
20852163
CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=

\u2014 example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=
`;

describe("tlog-witness add-checkpoint body", () => {
  it("parses the spec's example and writes it back byte for byte", () => {
    const body = parseAddCheckpointBody(SPEC_BODY);
    expect(body.oldSize).toBe(20852014);
    expect(body.proof.map(b64)).toEqual([
      "PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=",
      "jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=",
      "5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=",
      "/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=",
    ]);
    expect(body.note.startsWith("example.com/behind-the-sofa\n20852163\n")).toBe(true);
    expect(addCheckpointBody(body.oldSize, body.proof, body.note)).toBe(SPEC_BODY);
  });

  it("round-trips old 0 with no proof, and up to 63 proof lines", () => {
    const note = "o\n0\nAAAA\n\n\u2014 k AAAAAAA=\n";
    expect(addCheckpointBody(0, [], note)).toBe(`old 0\n\n${note}`);
    expect(parseAddCheckpointBody(`old 0\n\n${note}`)).toEqual({ oldSize: 0, proof: [], note });
    const body = addCheckpointBody(7, hashes(63), note);
    expect(parseAddCheckpointBody(body).proof.map(b64)).toEqual(hashes(63).map(b64));
    expect(code(() => addCheckpointBody(7, hashes(64), note))).toBe("BODY_MALFORMED");
    const tooMany = `old 7\n${hashes(64)
      .map((h) => `${b64(h)}\n`)
      .join("")}\n${note}`;
    expect(code(() => parseAddCheckpointBody(tooMany))).toBe("BODY_MALFORMED");
  });

  it("rejects malformed bodies with BODY_MALFORMED", () => {
    const hash = b64(hashes(1)[0]!);
    const bad = [
      "",
      "old 1",
      "old 01\n\nnote\n",
      "old -1\n\nnote\n",
      "old\n\nnote\n",
      "old  1\n\nnote\n",
      "new 1\n\nnote\n",
      `old 1\n${hash}\nnote\n`,
      `old 1\n${hash}\n`,
      `old 1\n${hash}\n\n`,
      "old 1\nnot base64!\n\nnote\n",
      `old 1\n${b64(new Uint8Array(31))}\n\nnote\n`,
    ];
    for (const body of bad) {
      expect([body, code(() => parseAddCheckpointBody(body))]).toEqual([body, "BODY_MALFORMED"]);
    }
    expect(code(() => addCheckpointBody(1, [new Uint8Array(3)], "note\n"))).toBe("HASH_LENGTH");
    expect(code(() => addCheckpointBody(1.5, [], "note\n"))).toBe("RANGE");
  });
});

describe("tlog-proof bundles", () => {
  const log = signer("spx.example/access-log");
  const witness = signer("witness.example", 0x04);
  const other = signer("other-witness.example", 0x04);
  const data = Array.from({ length: 11 }, (_, i) => new TextEncoder().encode(`entry ${i}`));
  const leaves = data.map(leafHash);
  const text = checkpointText({ origin: "spx.example/access-log", size: 11, root: rootOf(leaves) });
  const checkpoint = addSignatureLines(signNote(text, log), [cosignatureLine(text, witness, 1_767_225_600)]);

  it("round-trips with and without extra data, in the spec's layout", async () => {
    const proof = await inclusionProof(3, 11, memoryNodeSource(leaves));
    const extra = new TextEncoder().encode('{"leaf":"…"}');
    const formatted = formatProofBundle({ extra, index: 3, proof, checkpoint });
    expect(formatted).toBe(
      `c2sp.org/tlog-proof@v1\nextra ${b64(extra)}\nindex 3\n${proof.map((h) => `${b64(h)}\n`).join("")}\n${checkpoint}`,
    );
    const parsed = parseProofBundle(formatted);
    expect(Buffer.from(parsed.extra!).toString()).toBe('{"leaf":"…"}');
    expect(formatProofBundle(parsed)).toBe(formatted);
    const bare = formatProofBundle({ index: 3, proof, checkpoint });
    expect(bare.startsWith("c2sp.org/tlog-proof@v1\nindex 3\n")).toBe(true);
    expect(parseProofBundle(bare)).toEqual({ index: 3, proof: parsed.proof, checkpoint });
  });

  it("verifies offline, requiring the named cosigners, and fails once the entry or the proof changes", async () => {
    const source = memoryNodeSource(leaves);
    for (let index = 0; index < 11; index++) {
      const bundle = parseProofBundle(
        formatProofBundle({ index, proof: await inclusionProof(index, 11, source), checkpoint }),
      );
      const verified = verifyProofBundle(bundle, data[index]!, log, [witness], ["witness.example"]);
      expect(verified.size).toBe(11);
      expect(code(() => verifyProofBundle(bundle, data[(index + 1) % 11]!, log, [witness]))).toBe("INCLUSION_FAILED");
      expect(code(() => verifyProofBundle({ ...bundle, index: (index + 1) % 11 }, data[index]!, log))).toBe(
        "INCLUSION_FAILED",
      );
      expect(
        code(() =>
          verifyProofBundle(bundle, data[index]!, log, [witness, other], ["witness.example", "other-witness.example"]),
        ),
      ).toBe("COSIGNER_MISSING");
    }
    const bundle = { index: 0, proof: await inclusionProof(0, 11, source), checkpoint };
    expect(code(() => verifyProofBundle(bundle, data[0]!, witness))).toBe("KEY_MALFORMED");
    expect(code(() => verifyProofBundle(bundle, data[0]!, signer("spx.example/access-log")))).toBe("NOTE_UNVERIFIED");
    expect(code(() => verifyProofBundle(bundle, data[0]!, log, [], ["witness.example"]))).toBe("COSIGNER_MISSING");
    const tampered = { ...bundle, checkpoint: checkpoint.replace("\n11\n", "\n12\n") };
    expect(code(() => verifyProofBundle(tampered, data[0]!, log))).toBe("NOTE_BAD_SIGNATURE");
  });

  it("limits proofs to 63 lines and rejects malformed bundles with BUNDLE_MALFORMED", () => {
    const note = "o\n1\nAAAA\n\n\u2014 k AAAAAAA=\n";
    expect(code(() => formatProofBundle({ index: 0, proof: hashes(64), checkpoint: note }))).toBe("BUNDLE_MALFORMED");
    expect(parseProofBundle(formatProofBundle({ index: 0, proof: hashes(63), checkpoint: note })).proof).toHaveLength(
      63,
    );
    const hash = b64(hashes(1)[0]!);
    const bad = [
      "",
      "c2sp.org/tlog-proof@v2\nindex 0\n\nnote\n",
      "c2sp.org/tlog-proof@v1\n\nnote\n",
      "c2sp.org/tlog-proof@v1\nindex 01\n\nnote\n",
      "c2sp.org/tlog-proof@v1\nindex -1\n\nnote\n",
      "c2sp.org/tlog-proof@v1\nextra !!\nindex 0\n\nnote\n",
      "c2sp.org/tlog-proof@v1\nindex 0\nextra AAAA\n\nnote\n",
      `c2sp.org/tlog-proof@v1\nindex 0\n${hash}\n`,
      `c2sp.org/tlog-proof@v1\nindex 0\n${hash}\n\n`,
      `c2sp.org/tlog-proof@v1\nindex 0\n${b64(new Uint8Array(16))}\n\nnote\n`,
      `c2sp.org/tlog-proof@v1\nindex 0\n${hashes(64)
        .map((h) => `${b64(h)}\n`)
        .join("")}\n${note}`,
    ];
    for (const text of bad) {
      expect([text, code(() => parseProofBundle(text))]).toEqual([text, "BUNDLE_MALFORMED"]);
    }
    expect(code(() => formatProofBundle({ index: 0, proof: [new Uint8Array(1)], checkpoint: note }))).toBe(
      "HASH_LENGTH",
    );
  });
});
