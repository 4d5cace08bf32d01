/**
 * The words of the access policy. Scopes name kinds of data (never agencies); row policies name
 * the rule that decides which rows a caller may read. Subgraphs declare them on fields and types
 * (they compose into `@requiresScopes` and `@policy` in the supergraph), the agency catalogue
 * grants them, and the gateway and every subgraph enforce them.
 */
export const SCOPES = {
  "identity:core": "Identity: IDCS, CIN, names, sex, birth, nationality, residency, life status, legal representative",
  "identity:contact": "Address and telephone",
  "identity:registration": "When and where a person was registered",
  "identity:payee": "What a payment institution needs to pay someone: IDCS, names and CIN",
  "identity:verify": "Yes/no answers to identity claims (e-KYC), never the registered values",
  "identity:register": "Register persons, deaths and changes of address",
  "civil:marital": "Marital status and marriages: spouses, dates, how a marriage ended",
  "civil:filiation": "Mother, father and children by filiation, and rank among the mother's children",
  "civil:fatherless": "Whether the recorded father has died (yes/no), never who he is",
  "civil:disability-status": "Whether a recognised disability is in force today (yes/no)",
  "civil:disability": "A recognised disability: certifying authority, dates, permanent incapacity",
  "civil:disability-diagnosis": "The diagnosis of a recognised disability",
  "civil:guardianship": "Legal guardianship, custody and kafala: who is in whose care, since when",
  "civil:history": "Every recorded version of a person's civil status, with its source and recorder",
  "civil:register": "Record marriages and their end, filiation, disability and guardianship",
  "social:composition": "Households: who lives with whom, where, members' attainment, current enrolment and occupation",
  "social:declaration": "Declared living conditions and their verification against administrative sources",
  "social:index": "The socio-economic index, its contributions and the explanation of a decision",
  "social:eligibility":
    "Whether a household is eligible for a programme (yes/no, threshold, model version) and whether a revision of its index is pending",
  "social:revision": "Requests for a revision of the index and their outcome",
  "social:register": "Register households, their members and declarations; answer revision requests",
  "social:request-revision": "Ask for a revision of a household's index",
  "health:coverage": "AMO affiliations: regime, payer, status and who is covered",
  "health:enrol": "Enrol, affiliate, suspend, reinstate and close AMO affiliations",
  "aid:enrolment": "Direct aid: applications, decisions and reasons, enrolment and monthly entitlement",
  "aid:enrol": "Apply for direct aid and appeal a decision",
  "aid:payments": "Payment orders with their components, and reconciliation",
  "aid:payout": "A payment order's amount, month, status and beneficiary, without its components",
  "aid:disburse": "Run the monthly payments",
  "aid:payment-outcome": "Report what became of a payment order",
  "aid:appeal-decide": "Decide an appeal of a direct-aid refusal (accept or reject, with reasons)",
  "stats:read": "Aggregate statistics, never about one person",
  "audit:read": "The access log",
  "audit:self": "Who read the caller's own data, when and for what purpose",
  "events:read":
    "A register's events (a death, a marriage, an eligibility change) for the registers that react to them",
} as const;
export type Scope = keyof typeof SCOPES;
export const SCOPE_NAMES = Object.keys(SCOPES) as [Scope, ...Scope[]];

/**
 * What each scope is called in a person's own account of who read their data: plain words, one
 * kind of data per scope, never a field name.
 */
export const DATA_KINDS: Record<Scope, string> = {
  "identity:core": "identity",
  "identity:contact": "address and telephone",
  "identity:registration": "registration details",
  "identity:payee": "identity for payment",
  "identity:verify": "identity check (yes/no)",
  "identity:register": "identity record",
  "civil:marital": "marital status",
  "civil:filiation": "parents and children",
  "civil:fatherless": "whether the father has died",
  "civil:disability-status": "disability (yes/no)",
  "civil:disability": "disability",
  "civil:disability-diagnosis": "disability diagnosis",
  "civil:guardianship": "guardianship and kafala",
  "civil:history": "civil status history",
  "civil:register": "civil status record",
  "social:composition": "household composition",
  "social:declaration": "declared living conditions",
  "social:index": "household index",
  "social:eligibility": "programme eligibility",
  "social:revision": "index revision requests",
  "social:register": "household record",
  "social:request-revision": "index revision requests",
  "health:coverage": "health coverage",
  "health:enrol": "health coverage",
  "aid:enrolment": "direct aid",
  "aid:enrol": "direct aid applications",
  "aid:payments": "aid payments",
  "aid:payout": "aid payments",
  "aid:disburse": "aid payments",
  "aid:payment-outcome": "aid payments",
  "aid:appeal-decide": "direct aid appeals",
  "stats:read": "statistics",
  "audit:read": "access log",
  "audit:self": "access log",
  "events:read": "register events",
};

/**
 * Row policies. A grant holds some of them; a type lists those that may admit a row. `nationwide`
 * admits every row; the others are decided, row by row, by the subgraph that holds the row.
 */
export const POLICIES = {
  nationwide: "Every row the scopes allow, in every region",
  sameRegion: "Only people, households and orders of the caller's own region",
  self: "Only the caller's own person and household",
  ownPayments: "Only the caller's own payment orders and their beneficiaries",
} as const;
export type Policy = keyof typeof POLICIES;
export const POLICY_NAMES = Object.keys(POLICIES) as [Policy, ...Policy[]];

/** Either one scope, or several that must all be held. */
export type ScopeSet = Scope | readonly Scope[];
