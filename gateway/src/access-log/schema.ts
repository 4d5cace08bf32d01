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
import type { ChainedEntry, Page } from "./store.js";

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

function cursor(after: string | null | undefined): number | undefined {
  if (after === null || after === undefined) {
    return undefined;
  }
  if (!/^\d{1,15}$/.test(after)) {
    throw new DomainError("BAD_USER_INPUT", "after must be the endCursor of a previous page");
  }
  return Number(after);
}

function store(context: GatewayContext) {
  if (!context.accessLog) {
    throw new DomainError("ACCESS_LOG_UNAVAILABLE", "The access log is not kept by this gateway");
  }
  return context.accessLog;
}

const SELF = needs("audit:self");
const AUDIT = needs("audit:read");

const DataAccess = builder.objectRef<ChainedEntry>("DataAccess").implement({
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
  }),
});

const DataAccessPage = builder.objectRef<Page<ChainedEntry>>("DataAccessPage").implement({
  fields: (t) => ({
    entries: t.field({ type: [DataAccess], ...SELF, resolve: (p) => p.entries }),
    endCursor: t.string({ ...SELF, resolve: (p) => p.endCursor }),
  }),
});

const AccessLogEntry = builder.objectRef<ChainedEntry>("AccessLogEntry").implement({
  description: "An access log entry as recorded, with its place in the hash chain",
  fields: (t) => ({
    sequence: t.string({ ...AUDIT, resolve: (e) => String(e.seq) }),
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
    previousHash: t.string({ ...AUDIT, resolve: (e) => e.prevHash }),
    hash: t.string({ ...AUDIT, resolve: (e) => e.hash }),
  }),
});

const AccessLogPage = builder.objectRef<Page<ChainedEntry>>("AccessLogPage").implement({
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
  }),
});

export const SUBGRAPH_NAME = "access-log";
export const schema = builder.toSubGraphSchema({ linkUrl: "https://specs.apollo.dev/federation/v2.9" });
