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
  "social:composition": "Households: who lives with whom, where, members' schooling and occupation",
  "social:declaration": "Declared living conditions and their verification against administrative sources",
  "social:index": "The socio-economic index, its contributions and the explanation of a decision",
  "social:eligibility": "Whether a household is eligible for a programme (yes/no, threshold, model version)",
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
  "stats:read": "Aggregate statistics, never about one person",
  "audit:read": "The access log",
} as const;
export type Scope = keyof typeof SCOPES;
export const SCOPE_NAMES = Object.keys(SCOPES) as [Scope, ...Scope[]];

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
