import { needs, needsNationwide, STATISTICS } from "@spx/runtime/access";
import { isUuid } from "@spx/runtime/database";
import { BadCursorError, ValidationError } from "@spx/runtime/errors";
import { orderRows } from "../access.js";
import { currentMonth, isMonth } from "../domain/entitlement.js";
import { MonthInFutureError } from "../errors.js";
import { recordPaymentOutcome } from "../services/payment-outcomes.js";
import { runMonthlyPayments } from "../services/payment-run.js";
import { builder } from "./builder.js";

const DISBURSE = needs("aid:disburse");

const OutcomeEnum = builder.enumType("PaymentOutcome", { values: ["PAID", "FAILED", "RETURNED"] as const });

const RunReport = builder
  .objectRef<{ month: string; issued: number; alreadyIssued: number; skipped: number; amount: number }>(
    "PaymentRunReport",
  )
  .implement({
    fields: (t) => ({
      month: t.exposeString("month", DISBURSE),
      issued: t.exposeInt("issued", { ...DISBURSE, description: "Orders issued by this run" }),
      alreadyIssued: t.exposeInt("alreadyIssued", {
        ...DISBURSE,
        description: "Households already paid for the month",
      }),
      skipped: t.exposeInt("skipped", { ...DISBURSE, description: "Households not paid, each with a recorded reason" }),
      amount: t.expose("amount", { type: "MadAmount", ...DISBURSE }),
    }),
  });

function requireMonth(month: string): string {
  if (!isMonth(month)) {
    throw new ValidationError([{ field: "month", message: "is written YYYY-MM" }], "A month is written YYYY-MM");
  }
  if (month > currentMonth()) {
    throw new MonthInFutureError(month);
  }
  return month;
}

builder.mutationFields((t) => ({
  runMonthlyPayments: t.field({
    type: RunReport,
    ...needsNationwide("aid:disburse"),
    // Issues every enrolled household's order of the month: the most expensive call of the graph.
    cost: 1000,
    description: "Issues the month's payment orders; running it again for the same month issues nothing twice.",
    args: { month: t.arg.string({ required: true }) },
    resolve: async (_root, args, context) => {
      return runMonthlyPayments(context.prisma, context.graph, await context.ruleBook(), requireMonth(args.month));
    },
  }),
  recordPaymentOutcome: t.prismaField({
    type: "PaymentOrder",
    ...needs("aid:payment-outcome"),
    description:
      "A payment institution reports what became of an order. Reporting the same outcome again changes nothing.",
    args: {
      orderId: t.arg.id({ required: true }),
      outcome: t.arg({ type: OutcomeEnum, required: true }),
      reference: t.arg.string({ required: true }),
      idempotencyKey: t.arg.string({ required: false }),
    },
    resolve: async (query, _root, args, context) => {
      await recordPaymentOutcome(context, args);
      return context.prisma.paymentOrder.findUniqueOrThrow({ ...query, where: { id: args.orderId } });
    },
  }),
}));

/** One institution's month, from the reconciliation query's row. */
function reconciliationRow(r: Record<string, string | number>) {
  return {
    institution: String(r.institution),
    month: String(r.month),
    issued: Number(r.issued),
    issuedAmount: Number(r.issued_amount),
    paid: Number(r.paid),
    paidAmount: Number(r.paid_amount),
    failed: Number(r.failed),
    failedAmount: Number(r.failed_amount),
    returned: Number(r.returned),
    pending: Number(r.pending),
  };
}

type ReconciliationRow = ReturnType<typeof reconciliationRow>;

const PAYMENTS = needs("aid:payments");

const Reconciliation = builder.objectRef<ReconciliationRow>("PaymentReconciliation").implement({
  fields: (t) => ({
    institution: t.exposeString("institution", PAYMENTS),
    month: t.exposeString("month", PAYMENTS),
    issued: t.exposeInt("issued", PAYMENTS),
    issuedAmount: t.expose("issuedAmount", { type: "MadAmount", ...PAYMENTS }),
    paid: t.exposeInt("paid", PAYMENTS),
    paidAmount: t.expose("paidAmount", { type: "MadAmount", ...PAYMENTS }),
    failed: t.exposeInt("failed", PAYMENTS),
    failedAmount: t.expose("failedAmount", { type: "MadAmount", ...PAYMENTS }),
    returned: t.exposeInt("returned", PAYMENTS),
    pending: t.exposeInt("pending", { ...PAYMENTS, description: "Issued, no outcome reported yet" }),
  }),
});

const MAX_ORDERS_PAGE = 1000;

builder.queryFields((t) => ({
  paymentOrders: t.prismaField({
    type: ["PaymentOrder"],
    ...needs("aid:payments", "aid:payout"),
    description: `The orders of a month in a stable order (by id), at most ${MAX_ORDERS_PAGE} at a time: a payment institution's own orders, a case worker's region, a citizen's own. The next page is \`after\` the last id of this one.`,
    args: {
      month: t.arg.string({ required: true }),
      first: t.arg.int({ required: false, defaultValue: 100 }),
      after: t.arg.string({ required: false, description: "The id of the last order of the previous page" }),
    },
    listSize: { slicingArguments: ["first"], requireOneSlicingArgument: false },
    resolve: async (query, _root, args, context) => {
      if (!isMonth(args.month)) {
        throw new ValidationError([{ field: "month", message: "is written YYYY-MM" }], "A month is written YYYY-MM");
      }
      const size = args.first ?? 100;
      if (!Number.isInteger(size) || size < 1 || size > MAX_ORDERS_PAGE) {
        throw new ValidationError(
          [{ field: "first", message: `between 1 and ${MAX_ORDERS_PAGE}` }],
          `first must be between 1 and ${MAX_ORDERS_PAGE}`,
        );
      }
      if (args.after && !isUuid(args.after)) {
        throw new BadCursorError("after is the id of the last order of the previous page");
      }
      // An institution lists only its own orders, a case worker their region, a citizen their own.
      const rows = orderRows(context);
      if (!rows) {
        return [];
      }
      return context.prisma.paymentOrder.findMany({
        ...query,
        where: { AND: [{ month: args.month }, rows, ...(args.after ? [{ id: { gt: args.after } }] : [])] },
        orderBy: { id: "asc" },
        take: size,
      });
    },
  }),
  paymentReconciliation: t.field({
    type: [Reconciliation],
    ...needsNationwide("aid:payments"),
    ...STATISTICS,
    description: "Issued, paid and failed orders and amounts per institution for a month",
    args: { month: t.arg.string({ required: true }) },
    resolve: async (_root, args, context) => {
      if (!isMonth(args.month)) {
        throw new ValidationError([{ field: "month", message: "is written YYYY-MM" }], "A month is written YYYY-MM");
      }
      const rows = await context.prisma.$queryRawUnsafe<Record<string, string | number>[]>(
        `SELECT institution, month, count(*)::int AS issued, sum(amount)::bigint AS issued_amount,
                count(*) FILTER (WHERE status = 'PAID')::int AS paid,
                coalesce(sum(amount) FILTER (WHERE status = 'PAID'), 0)::bigint AS paid_amount,
                count(*) FILTER (WHERE status = 'FAILED')::int AS failed,
                coalesce(sum(amount) FILTER (WHERE status = 'FAILED'), 0)::bigint AS failed_amount,
                count(*) FILTER (WHERE status = 'RETURNED')::int AS returned,
                count(*) FILTER (WHERE status = 'ISSUED')::int AS pending
         FROM payment_order WHERE month = $1 GROUP BY institution, month ORDER BY institution`,
        args.month,
      );
      return rows.map(reconciliationRow);
    },
  }),
}));
