import { assertRowAllowed } from "@spx/runtime/access";
import { findByUuid, onceInTransaction } from "@spx/runtime/database";
import { NotFoundError } from "@spx/runtime/errors";
import type { Context } from "../context.js";
import { canRecord, type OrderStatus } from "../domain/outcomes.js";
import { BadTransitionError } from "../errors.js";

/**
 * Records what a payment institution reports of one of its orders. Reporting the same outcome
 * again changes nothing; a transition the order cannot make is refused.
 */
export async function recordPaymentOutcome(
  context: Context,
  args: { orderId: string; outcome: "PAID" | "FAILED" | "RETURNED"; reference: string; idempotencyKey?: string | null },
): Promise<{ id: string }> {
  return onceInTransaction(
    context.prisma,
    context.caller,
    { key: args.idempotencyKey, operation: "recordPaymentOutcome", request: args },
    async (tx) => {
      const order = await findByUuid(args.orderId, (id) => tx.paymentOrder.findUnique({ where: { id } }));
      if (!order) {
        throw new NotFoundError("Payment order");
      }
      // An institution reports on its own orders only.
      await assertRowAllowed(
        context,
        ["ownPayments"],
        { ownPayments: () => order.institution === context.caller.agency },
        "This order",
      );
      if (order.status === args.outcome && order.reference === args.reference) {
        return { id: order.id };
      }
      if (!canRecord(order.status as OrderStatus, args.outcome)) {
        throw new BadTransitionError(order.status, args.outcome);
      }
      const updated = await tx.paymentOrder.updateMany({
        where: { id: order.id, status: order.status },
        data: { status: args.outcome, reference: args.reference, outcomeAt: new Date() },
      });
      if (updated.count === 0) {
        throw new BadTransitionError(order.status, args.outcome);
      }
      return { id: order.id };
    },
  );
}
