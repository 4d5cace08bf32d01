import { isValidCin, normalizeCin } from "@spx/reference/cin";
import { foldName } from "@spx/reference/name-key";
import { listRestriction, needs, rowPolicy } from "@spx/runtime/access";
import { BadCursorError, ValidationError } from "@spx/runtime/errors";
import type { Prisma } from "../../generated/prisma/index.js";
import type { Context } from "../context.js";
import { builder } from "./builder.js";
import { LifeStatusEnum, MilieuEnum, ResidencyStatusEnum, SexEnum } from "./enums.js";
import { requireIdcs } from "./idcs-arg.js";

/** Persons are read nationwide, in a case worker's region, by themselves, or as a payee. */
export const PERSON_ROWS = ["sameRegion", "self", "ownPayments"] as const;

interface AddressShape {
  regionCode: string;
  province: string;
  commune: string;
  milieu: "URBAN" | "RURAL";
}

export const Address = builder.objectRef<AddressShape>("Address").implement({
  description: "Place of residence in the 2015 territorial division",
  fields: (t) => ({
    regionCode: t.exposeString("regionCode", {
      ...needs("identity:contact"),
      description: "Official region code, 01 to 12",
    }),
    province: t.exposeString("province", { ...needs("identity:contact"), description: "Province or prefecture" }),
    commune: t.exposeString("commune", needs("identity:contact")),
    milieu: t.expose("milieu", { type: MilieuEnum, ...needs("identity:contact") }),
  }),
});

export const Person = builder.prismaObject("Person", {
  description: "A natural person in the National Population Register (RNP)",
  // `ownPayments` is decided by the direct-aid register, which lists only the caller's own orders:
  // a payee is reached only as an order's beneficiary, never through a root field here.
  ...rowPolicy<{ idcs: string; regionCode: string }, Context>(
    [...PERSON_ROWS],
    (person, context) => ({
      region: person.regionCode,
      self: () => person.idcs === context.caller.idcs,
      ownPayments: () => true,
    }),
    (person) => person.idcs,
  ),
  fields: (t) => ({
    idcs: t.exposeID("idcs", {
      ...needs("identity:core", "identity:payee"),
      description: "Digital civil and social identifier: 10 digits, Verhoeff check digit",
    }),
    cin: t.exposeString("cin", {
      ...needs("identity:core", "identity:payee"),
      description: "National electronic identity card number",
    }),
    firstName: t.exposeString("firstName", needs("identity:core", "identity:payee")),
    lastName: t.exposeString("lastName", needs("identity:core", "identity:payee")),
    firstNameAr: t.exposeString("firstNameAr", needs("identity:core", "identity:payee")),
    lastNameAr: t.exposeString("lastNameAr", needs("identity:core", "identity:payee")),
    sex: t.expose("sex", { type: SexEnum, ...needs("identity:core") }),
    birthDate: t.expose("birthDate", { type: "Date", ...needs("identity:core") }),
    birthPlace: t.exposeString("birthPlace", needs("identity:core")),
    nationality: t.exposeString("nationality", { ...needs("identity:core"), description: "ISO 3166-1 alpha-3" }),
    residencyStatus: t.expose("residencyStatus", { type: ResidencyStatusEnum, ...needs("identity:core") }),
    address: t.field({
      type: Address,
      ...needs("identity:contact"),
      resolve: ({ regionCode, province, commune, milieu }) => ({ regionCode, province, commune, milieu }),
    }),
    phone: t.exposeString("phone", { ...needs("identity:contact"), description: "E.164" }),
    lifeStatus: t.expose("lifeStatus", { type: LifeStatusEnum, ...needs("identity:core") }),
    dateOfDeath: t.expose("dateOfDeath", { type: "Date", ...needs("identity:core") }),
    registeredAt: t.expose("registeredAt", { type: "DateTime", ...needs("identity:registration") }),
    registrationCentre: t.exposeString("registrationCentre", needs("identity:registration")),
  }),
});

// Declared apart from the type because it refers to the type itself.
builder.prismaObjectField(Person, "legalRepresentative", (t) =>
  t.field({
    type: Person,
    ...needs("identity:core"),
    description: "The adult who represents a minor or protected adult",
    resolve: (person, _args, context) =>
      person.legalRepresentativeIdcs ? context.loaders.person.load(person.legalRepresentativeIdcs) : null,
  }),
);

builder.asEntity(Person, {
  key: builder.selection<{ idcs: string }>("idcs"),
  resolveReference: ({ idcs }, context) => context.loaders.person.load(requireIdcs(idcs)),
});

const PersonFilter = builder.inputType("PersonFilter", {
  fields: (t) => ({
    regionCode: t.string({ required: false }),
    lifeStatus: t.field({ type: LifeStatusEnum, required: false }),
    namePrefix: t.string({
      required: false,
      description: "Start of the family name (optionally followed by the first name), case and accents ignored",
    }),
    cin: t.string({
      required: false,
      description: "National identity card number, exact (case and spaces ignored): at most one person",
    }),
  }),
});

/**
 * The card number a search names, normalized as it is stored; refused before any database access
 * when it cannot be a CIN. The number itself is never named back (nor logged): it identifies someone.
 */
function requireCin(value: string): string {
  const cin = normalizeCin(value);
  if (!isValidCin(cin)) {
    throw new ValidationError(
      [{ field: "filter.cin", message: "must be 1–2 letters followed by 5–8 digits" }],
      "filter.cin is not a national identity card number (1–2 letters followed by 5–8 digits)",
    );
  }
  return cin;
}

interface PersonEdgeShape {
  cursor: string;
  node: Prisma.PersonGetPayload<object>;
}

interface PageInfoShape {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

const PageInfo = builder.objectRef<PageInfoShape>("PageInfo").implement({
  fields: (t) => ({
    hasNextPage: t.exposeBoolean("hasNextPage"),
    hasPreviousPage: t.exposeBoolean("hasPreviousPage"),
    startCursor: t.exposeString("startCursor", { nullable: true }),
    endCursor: t.exposeString("endCursor", { nullable: true }),
  }),
});

const PersonEdge = builder.objectRef<PersonEdgeShape>("PersonEdge").implement({
  fields: (t) => ({
    cursor: t.exposeString("cursor"),
    node: t.field({ type: Person, ...needs("identity:core"), resolve: (edge) => edge.node }),
  }),
});

const PersonConnection = builder
  .objectRef<{ edges: PersonEdgeShape[]; pageInfo: PageInfoShape }>("PersonConnection")
  .implement({
    fields: (t) => ({
      edges: t.field({ type: [PersonEdge], resolve: (connection) => connection.edges }),
      pageInfo: t.field({ type: PageInfo, resolve: (connection) => connection.pageInfo }),
    }),
  });

const DEFAULT_PAGE = 20;
const MAX_PAGE = 100;
const MAX_BATCH = 1000;
const CURSOR_PREFIX = "person:";

function encodeCursor(idcs: string): string {
  return Buffer.from(`${CURSOR_PREFIX}${idcs}`).toString("base64url");
}

function decodeCursor(cursor: string): string {
  const decoded = Buffer.from(cursor, "base64url").toString("utf8");
  const idcs = decoded.startsWith(CURSOR_PREFIX) ? decoded.slice(CURSOR_PREFIX.length) : "";
  if (!/^\d{10}$/.test(idcs)) {
    throw new BadCursorError("This cursor was not issued by persons()");
  }
  return idcs;
}

builder.queryFields((t) => ({
  person: t.field({
    type: Person,
    ...needs("identity:core"),
    args: { idcs: t.arg.id({ required: true }) },
    resolve: (_root, { idcs }, context) => context.loaders.person.load(requireIdcs(idcs)),
  }),
  people: t.field({
    type: [Person],
    ...needs("identity:core"),
    nullable: { list: true, items: true },
    description: "Persons by IDCS, in the order asked (null where unknown); at most 1000 at a time",
    // One element per IDCS asked: the gateway sizes the list by the length of `idcs`, up to this.
    listSize: { assumedSize: MAX_BATCH, requireOneSlicingArgument: false },
    args: { idcs: t.arg.idList({ required: true }) },
    resolve: (_root, args, context) => {
      if (args.idcs.length > MAX_BATCH) {
        throw new ValidationError(
          [{ field: "idcs", message: `at most ${MAX_BATCH}` }],
          `At most ${MAX_BATCH} IDCS per request`,
        );
      }
      return context.loaders.person
        .loadMany(args.idcs.map(requireIdcs))
        .then((rows) => rows.map((row) => (row instanceof Error ? null : row)));
    },
  }),
  persons: t.field({
    type: PersonConnection,
    ...needs("identity:core"),
    description: "Registered persons in a stable order (by IDCS), a page at a time",
    // `first` sizes the page's edges; without it the page is the default size.
    listSize: {
      slicingArguments: ["first"],
      sizedFields: ["edges"],
      assumedSize: DEFAULT_PAGE,
      requireOneSlicingArgument: false,
    },
    args: {
      first: t.arg.int({ required: false }),
      after: t.arg.string({ required: false }),
      filter: t.arg({ type: PersonFilter, required: false }),
    },
    resolve: async (_root, { first, after, filter }, context) => {
      const size = first ?? DEFAULT_PAGE;
      if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE) {
        throw new ValidationError(
          [{ field: "first", message: `between 1 and ${MAX_PAGE}` }],
          `first must be between 1 and ${MAX_PAGE}`,
        );
      }
      // Checked before the row restriction, so that a malformed number is refused the same way to all.
      const cin = typeof filter?.cin === "string" ? requireCin(filter.cin) : undefined;
      // A case worker's pages hold only their region, a citizen's only themselves.
      const rows = listRestriction(context, PERSON_ROWS);
      if (rows?.none) {
        return {
          edges: [],
          pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null },
        };
      }
      const where: Prisma.PersonWhereInput[] = [];
      if (rows?.region) {
        where.push({ regionCode: rows.region });
      }
      if (rows?.idcs) {
        where.push({ idcs: rows.idcs });
      }
      if (filter?.regionCode) {
        where.push({ regionCode: filter.regionCode });
      }
      if (filter?.lifeStatus) {
        where.push({ lifeStatus: filter.lifeStatus });
      }
      const prefix = filter?.namePrefix ? foldName(filter.namePrefix) : "";
      if (prefix) {
        where.push({ nameKey: { startsWith: prefix } });
      }
      // Exact, on the unique index; the row restriction above still applies (a case worker never
      // finds someone of another region by card number either).
      if (cin) {
        where.push({ cin });
      }
      if (after) {
        where.push({ idcs: { gt: decodeCursor(after) } });
      }
      const found = await context.prisma.person.findMany({
        where: { AND: where },
        orderBy: { idcs: "asc" },
        take: size + 1,
      });
      const page = found.slice(0, size);
      for (const row of page) {
        context.loaders.person.prime(row.idcs, row);
      }
      const edges = page.map((node) => ({ cursor: encodeCursor(node.idcs), node }));
      return {
        edges,
        pageInfo: {
          hasNextPage: found.length > size,
          hasPreviousPage: Boolean(after),
          startCursor: edges[0]?.cursor ?? null,
          endCursor: edges.at(-1)?.cursor ?? null,
        },
      };
    },
  }),
}));
