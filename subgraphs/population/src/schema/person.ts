import { DomainError } from "@spx/runtime/errors";
import type { Prisma } from "../../generated/prisma/index.js";
import { builder } from "../builder.js";
import { foldName } from "../domain/name-key.js";
import { LifeStatusEnum, MilieuEnum, ResidencyStatusEnum, SexEnum } from "./enums.js";
import { requireIdcs } from "./idcs-arg.js";

interface AddressShape {
  regionCode: string;
  province: string;
  commune: string;
  milieu: "URBAN" | "RURAL";
}

export const Address = builder.objectRef<AddressShape>("Address").implement({
  description: "Place of residence in the 2015 territorial division",
  fields: (t) => ({
    regionCode: t.exposeString("regionCode", { description: "Official region code, 01 to 12" }),
    province: t.exposeString("province", { description: "Province or prefecture" }),
    commune: t.exposeString("commune"),
    milieu: t.expose("milieu", { type: MilieuEnum }),
  }),
});

export const Person = builder.prismaObject("Person", {
  description: "A natural person in the National Population Register (RNP)",
  fields: (t) => ({
    idcs: t.exposeID("idcs", { description: "Digital civil and social identifier: 10 digits, Verhoeff check digit" }),
    cin: t.exposeString("cin", { nullable: true, description: "National electronic identity card number" }),
    firstName: t.exposeString("firstName"),
    lastName: t.exposeString("lastName"),
    firstNameAr: t.exposeString("firstNameAr"),
    lastNameAr: t.exposeString("lastNameAr"),
    sex: t.expose("sex", { type: SexEnum }),
    birthDate: t.expose("birthDate", { type: "Date" }),
    birthPlace: t.exposeString("birthPlace"),
    nationality: t.exposeString("nationality", { description: "ISO 3166-1 alpha-3" }),
    residencyStatus: t.expose("residencyStatus", { type: ResidencyStatusEnum }),
    address: t.field({
      type: Address,
      resolve: ({ regionCode, province, commune, milieu }) => ({ regionCode, province, commune, milieu }),
    }),
    phone: t.exposeString("phone", { nullable: true, description: "E.164" }),
    lifeStatus: t.expose("lifeStatus", { type: LifeStatusEnum }),
    dateOfDeath: t.expose("dateOfDeath", { type: "Date", nullable: true }),
    registeredAt: t.expose("registeredAt", { type: "DateTime" }),
    registrationCentre: t.exposeString("registrationCentre"),
  }),
});

// Declared apart from the type because it refers to the type itself.
builder.prismaObjectField(Person, "legalRepresentative", (t) =>
  t.field({
    type: Person,
    nullable: true,
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
  }),
});

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
    node: t.field({ type: Person, resolve: (edge) => edge.node }),
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
    throw new DomainError("BAD_CURSOR", "This cursor was not issued by persons()");
  }
  return idcs;
}

builder.queryFields((t) => ({
  person: t.field({
    type: Person,
    nullable: true,
    args: { idcs: t.arg.id({ required: true }) },
    resolve: (_root, { idcs }, context) => context.loaders.person.load(requireIdcs(idcs)),
  }),
  people: t.field({
    type: [Person],
    nullable: { list: false, items: true },
    description: "Persons by IDCS, in the order asked (null where unknown); at most 1000 at a time",
    args: { idcs: t.arg.idList({ required: true }) },
    resolve: (_root, args, context) => {
      if (args.idcs.length > MAX_BATCH) {
        throw new DomainError("BAD_USER_INPUT", `At most ${MAX_BATCH} IDCS per request`);
      }
      return context.loaders.person
        .loadMany(args.idcs.map(requireIdcs))
        .then((rows) => rows.map((row) => (row instanceof Error ? null : row)));
    },
  }),
  persons: t.field({
    type: PersonConnection,
    description: "Registered persons in a stable order (by IDCS), a page at a time",
    args: {
      first: t.arg.int({ required: false }),
      after: t.arg.string({ required: false }),
      filter: t.arg({ type: PersonFilter, required: false }),
    },
    resolve: async (_root, { first, after, filter }, context) => {
      const size = first ?? DEFAULT_PAGE;
      if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE) {
        throw new DomainError("BAD_USER_INPUT", `first must be between 1 and ${MAX_PAGE}`);
      }
      const where: Prisma.PersonWhereInput = {};
      if (filter?.regionCode) {
        where.regionCode = filter.regionCode;
      }
      if (filter?.lifeStatus) {
        where.lifeStatus = filter.lifeStatus;
      }
      const prefix = filter?.namePrefix ? foldName(filter.namePrefix) : "";
      if (prefix) {
        where.nameKey = { startsWith: prefix };
      }
      if (after) {
        where.idcs = { gt: decodeCursor(after) };
      }
      const rows = await context.prisma.person.findMany({ where, orderBy: { idcs: "asc" }, take: size + 1 });
      const page = rows.slice(0, size);
      for (const row of page) {
        context.loaders.person.prime(row.idcs, row);
      }
      const edges = page.map((node) => ({ cursor: encodeCursor(node.idcs), node }));
      return {
        edges,
        pageInfo: {
          hasNextPage: rows.length > size,
          hasPreviousPage: Boolean(after),
          startCursor: edges[0]?.cursor ?? null,
          endCursor: edges.at(-1)?.cursor ?? null,
        },
      };
    },
  }),
}));
