import SchemaBuilder from "@pothos/core";
import DirectivePlugin from "@pothos/plugin-directives";
import FederationPlugin from "@pothos/plugin-federation";
import ScopeAuthPlugin from "@pothos/plugin-scope-auth";
import {
  type AccessAuthScopes,
  accessAuthScopes,
  catalogue,
  committedCatalogue,
  needs,
  type Policy,
  type Scope,
} from "@spx/runtime/access";
import { DomainError, ForbiddenError } from "@spx/runtime/errors";
import { DateTimeScalar } from "@spx/runtime/schema";
import type { GatewayContext } from "../context.js";
import { cosignedNote, type StoredCheckpoint } from "./checkpoints.js";
import type { AccessLogProofs, AccessProofView, ProofAnchors, ProofReader } from "./proof-bundle.js";
import { type LoggedEntry, type Page, parseCursor } from "./store.js";
import { consistencyRange, parseTreeSize, TreeSizeError } from "./tree-size.js";

/**
 * The access log as part of the graph: a person's own account of who read their data, and the
 * auditors' search. Served by the gateway itself (it keeps the log), composed like any subgraph so
 * that its fields carry access rules like every other.
 */
const builder = new SchemaBuilder<{
  Context: GatewayContext;
  AuthScopes: AccessAuthScopes;
  FederationScopes: Scope;
  FederationPolicies: Policy;
  Scalars: { DateTime: { Input: Date; Output: Date }; ID: { Input: string; Output: string } };
  DefaultFieldNullability: false;
}>({
  plugins: [ScopeAuthPlugin, DirectivePlugin, FederationPlugin],
  defaultFieldNullability: false,
  scopeAuth: { authScopes: accessAuthScopes, unauthorizedError: () => new ForbiddenError() },
});
builder.addScalarType("DateTime", DateTimeScalar);

const DEFAULT_PAGE = 20;
/** `first` sizes a page's entries; without it the page is the default size. */
const PAGE_SIZE = {
  listSize: {
    slicingArguments: ["first"],
    sizedFields: ["entries"],
    assumedSize: DEFAULT_PAGE,
    requireOneSlicingArgument: false,
  },
};
const MAX_PAGE = 100;

function pageSize(first: number | null | undefined): number {
  const size = first ?? DEFAULT_PAGE;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE) {
    throw new DomainError("BAD_USER_INPUT", `first must be between 1 and ${MAX_PAGE}`);
  }
  return size;
}

function cursor(after: string | null | undefined): string | undefined {
  return after === null || after === undefined ? undefined : parseCursor(after);
}

function store(context: GatewayContext) {
  if (!context.accessLog) {
    throw new DomainError("ACCESS_LOG_UNAVAILABLE", "The access log is not kept by this gateway");
  }
  return context.accessLog;
}

const SELF = needs("audit:self");
const AUDIT = needs("audit:read");
/** The log's checkpoints and proofs say nothing about anyone: for whoever may read some of the log. */
const SELF_OR_AUDIT = needs("audit:self", "audit:read");

function proofs(context: GatewayContext): AccessLogProofs {
  if (!context.accessLogProofs) {
    throw new DomainError("ACCESS_LOG_UNAVAILABLE", "This gateway serves no proofs of its access log");
  }
  return context.accessLogProofs;
}

/**
 * The checkpoints a request's proofs refer to and the loader of their tree nodes: a page's proofs
 * cost the same statements however many entries it has (no query per entry).
 */
const requestAnchors = new WeakMap<GatewayContext, ProofAnchors>();

/** The `checkpointSize` argument of `proof`, bounded before anything is read with it. */
function checkpointSizeArg(text: string | null | undefined): number | undefined {
  if (text === null || text === undefined) {
    return undefined;
  }
  try {
    return parseTreeSize(text, "checkpointSize");
  } catch (error) {
    if (error instanceof TreeSizeError) {
      throw new DomainError("BAD_USER_INPUT", error.message);
    }
    throw error;
  }
}

function proofOf(
  entry: LoggedEntry,
  reader: ProofReader,
  context: GatewayContext,
  checkpointSize?: string | null,
): Promise<AccessProofView | null> {
  const size = checkpointSizeArg(checkpointSize);
  if (entry.leafIndex === null) {
    return Promise.resolve(null);
  }
  const source = proofs(context);
  let anchors = requestAnchors.get(context);
  if (!anchors) {
    anchors = source.anchors();
    requestAnchors.set(context, anchors);
  }
  return source.proof(entry, reader, anchors, size);
}

const leafIndexField = (e: LoggedEntry) => (e.leafIndex === null ? null : String(e.leafIndex));

const AccessProof = builder.objectRef<AccessProofView>("AccessProof").implement({
  description:
    "An inclusion proof of the entry in a signed checkpoint of the log, as a C2SP tlog-proof bundle that `npm run -s audit:prove` verifies offline",
  fields: (t) => ({
    leafIndex: t.string({ ...SELF_OR_AUDIT, resolve: (p) => p.leafIndex }),
    treeSize: t.string({
      ...SELF_OR_AUDIT,
      description: "The size of the checkpoint proved against",
      resolve: (p) => p.treeSize,
    }),
    witnessed: t.boolean({
      ...SELF_OR_AUDIT,
      description: "Whether the checkpoint carries the cosignature of every configured witness",
      resolve: (p) => p.witnessed,
    }),
    bundle: t.string({
      ...SELF_OR_AUDIT,
      description:
        "c2sp.org/tlog-proof@v1 text: the entry (extra), its index, the inclusion hashes and the cosigned checkpoint",
      resolve: (p) => p.bundle,
    }),
  }),
});

const AccessLogCheckpoint = builder.objectRef<StoredCheckpoint>("AccessLogCheckpoint").implement({
  description: "A signed checkpoint of the access log (C2SP tlog-checkpoint) with its witnesses' cosignatures",
  fields: (t) => ({
    size: t.string({ ...SELF_OR_AUDIT, resolve: (c) => String(c.size) }),
    rootHash: t.string({
      ...SELF_OR_AUDIT,
      description: "Base64, as in the note",
      resolve: (c) => Buffer.from(c.root).toString("base64"),
    }),
    signedAt: t.field({ type: "DateTime", ...SELF_OR_AUDIT, resolve: (c) => c.signedAt }),
    note: t.string({
      ...SELF_OR_AUDIT,
      description: "The signed note with every cosignature line",
      resolve: (c) => cosignedNote(c),
    }),
    witnessedBy: t.stringList({ ...SELF_OR_AUDIT, resolve: (c) => c.cosignatures.map((w) => w.witness) }),
  }),
});

const DataAccess = builder.objectRef<LoggedEntry>("DataAccess").implement({
  description: "One time someone read this person's data: who (agency and role), when, why, and what kinds",
  fields: (t) => ({
    at: t.field({ type: "DateTime", ...SELF, resolve: (e) => e.at }),
    agency: t.string({ ...SELF, resolve: (e) => e.agency }),
    agencyName: t.string({
      ...SELF,
      resolve: (e) => (e.agency ? (committedCatalogue().agency(e.agency)?.name ?? e.agency) : null),
    }),
    role: t.string({ ...SELF, resolve: (e) => e.role }),
    purpose: t.string({ ...SELF, resolve: (e) => e.purpose }),
    purposeDescription: t.string({ ...SELF, resolve: (e) => catalogue().purposes[e.purpose] ?? null }),
    kindsOfData: t.stringList({ ...SELF, resolve: (e) => e.kinds }),
    leafIndex: t.string({
      ...SELF,
      description: "The entry's place in the log's tree; null while it is not sequenced yet",
      resolve: leafIndexField,
    }),
    proof: t.field({
      type: AccessProof,
      ...SELF,
      description:
        "Proof that the log holds this entry, for the reader alone (their own IDCS opens the entry); null until a checkpoint covers it. `checkpointSize`: against that checkpoint (one you kept) instead of the latest witnessed one",
      args: { checkpointSize: t.arg.string({ required: false }) },
      resolve: (e, args, context) => {
        const { idcs } = context.caller;
        if (!idcs) {
          throw new ForbiddenError("Only the person concerned gets the proof of an entry about them");
        }
        return proofOf(e, { citizen: idcs }, context, args.checkpointSize);
      },
    }),
  }),
});

const DataAccessPage = builder.objectRef<Page<LoggedEntry>>("DataAccessPage").implement({
  fields: (t) => ({
    entries: t.field({ type: [DataAccess], ...SELF, resolve: (p) => p.entries }),
    endCursor: t.string({ ...SELF, resolve: (p) => p.endCursor }),
  }),
});

const AccessLogEntry = builder.objectRef<LoggedEntry>("AccessLogEntry").implement({
  description:
    "An access log entry as recorded, with its place in the log's tree (and, for entries from before the tree, in the hash chain)",
  fields: (t) => ({
    sequence: t.string({
      ...AUDIT,
      description: "The entry's place in the log; null while it is pending (written, not yet sequenced)",
      resolve: (e) => (e.seq === null ? null : String(e.seq)),
    }),
    at: t.field({ type: "DateTime", ...AUDIT, resolve: (e) => e.at }),
    requestId: t.string({ ...AUDIT, resolve: (e) => e.requestId }),
    agency: t.string({ ...AUDIT, resolve: (e) => e.agency }),
    role: t.string({ ...AUDIT, resolve: (e) => e.role }),
    subject: t.string({ ...AUDIT, description: "The official or system that asked", resolve: (e) => e.subject }),
    purpose: t.string({ ...AUDIT, resolve: (e) => e.purpose }),
    operationName: t.string({ ...AUDIT, resolve: (e) => e.operationName }),
    documentHash: t.string({ ...AUDIT, resolve: (e) => e.documentHash }),
    documentId: t.string({
      ...AUDIT,
      nullable: true,
      description: "The trusted document's id (sha256 hex) when the document was a registered one",
      resolve: (e) => e.documentId,
    }),
    served: t.stringList({ ...AUDIT, resolve: (e) => e.served }),
    refused: t.stringList({ ...AUDIT, resolve: (e) => e.refused }),
    kindsOfData: t.stringList({ ...AUDIT, resolve: (e) => e.kinds }),
    personCount: t.int({ ...AUDIT, resolve: (e) => e.persons.length }),
    persons: t.idList({
      ...AUDIT,
      description: "IDCS of the persons whose data was served; reading them is itself logged",
      resolve: (e, _args, context) => {
        context.trail.add(e.persons);
        return e.persons;
      },
    }),
    previousHash: t.string({
      ...AUDIT,
      description: "Entries of the hash chain only (from before the tree); null for later ones",
      resolve: (e) => e.prevHash,
    }),
    hash: t.string({ ...AUDIT, description: "Entries of the hash chain only", resolve: (e) => e.hash }),
    leafIndex: t.string({ ...AUDIT, resolve: leafIndexField }),
    proof: t.field({
      type: AccessProof,
      ...AUDIT,
      description:
        "Proof that the log holds this entry, with the entry's salt; null until a checkpoint covers it. `checkpointSize`: against that checkpoint instead of the latest witnessed one",
      args: { checkpointSize: t.arg.string({ required: false }) },
      resolve: (e, args, context) => proofOf(e, { auditor: true }, context, args.checkpointSize),
    }),
  }),
});

const AccessLogPage = builder.objectRef<Page<LoggedEntry>>("AccessLogPage").implement({
  fields: (t) => ({
    entries: t.field({ type: [AccessLogEntry], ...AUDIT, resolve: (p) => p.entries }),
    endCursor: t.string({ ...AUDIT, resolve: (p) => p.endCursor }),
  }),
});

builder.queryType({
  fields: (t) => ({
    myDataAccess: t.field({
      type: DataAccessPage,
      ...SELF,
      description:
        "Who read my data (agency and role, never the official's name), when, why and which kinds of data: newest first. Pass `endCursor` as `after` for the next page.",
      args: { first: t.arg.int({ required: false }), after: t.arg.string({ required: false }) },
      ...PAGE_SIZE,
      resolve: (_root, args, context) => {
        const { idcs } = context.caller;
        if (!idcs) {
          throw new ForbiddenError("Only a person can ask who read their own data");
        }
        // The answer is about the person themselves: their own reads are logged and not shown back.
        context.trail.add([idcs]);
        return store(context).forPerson(idcs, pageSize(args.first), cursor(args.after));
      },
    }),
    accessLog: t.field({
      type: AccessLogPage,
      ...AUDIT,
      description: "For auditors: the access log by agency, purpose and period [from, to), newest first",
      args: {
        agency: t.arg.string({ required: false }),
        purpose: t.arg.string({ required: false }),
        from: t.arg({ type: "DateTime", required: false }),
        to: t.arg({ type: "DateTime", required: false }),
        first: t.arg.int({ required: false }),
        after: t.arg.string({ required: false }),
      },
      ...PAGE_SIZE,
      resolve: (_root, args, context) =>
        store(context).search({
          agency: args.agency ?? undefined,
          purpose: args.purpose ?? undefined,
          from: args.from ?? undefined,
          to: args.to ?? undefined,
          first: pageSize(args.first),
          after: cursor(args.after),
        }),
    }),
    accessLogCheckpoint: t.field({
      type: AccessLogCheckpoint,
      ...SELF_OR_AUDIT,
      description: "The log's latest signed checkpoint, with its cosignatures; null before the first",
      resolve: async (_root, _args, context) => (await proofs(context).checkpoints.latest()) ?? null,
    }),
    accessLogConsistency: t.stringList({
      ...SELF_OR_AUDIT,
      description:
        "A consistency proof (base64 hashes, RFC 9162) from the tree of size `from` to the tree of size `to` (from ≤ to ≤ the latest checkpoint's size)",
      args: { from: t.arg.string({ required: true }), to: t.arg.string({ required: true }) },
      resolve: async (_root, args, context) => {
        const source = proofs(context);
        let range: { from: number; to: number };
        try {
          range = consistencyRange(args.from, args.to, (await source.checkpoints.latest())?.size ?? 0);
        } catch (error) {
          if (error instanceof TreeSizeError) {
            throw new DomainError("BAD_USER_INPUT", error.message);
          }
          throw error;
        }
        const proof = await source.consistency(range.from, range.to);
        return proof.map((hash) => Buffer.from(hash).toString("base64"));
      },
    }),
  }),
});

export const SUBGRAPH_NAME = "access-log";
export const schema = builder.toSubGraphSchema({ linkUrl: "https://specs.apollo.dev/federation/v2.9" });
