export type OrderStatus = "ISSUED" | "PAID" | "FAILED" | "RETURNED";

/** What a payment institution may report after an order: paid or failed, and a paid sum returned. */
const NEXT: Record<OrderStatus, OrderStatus[]> = {
  ISSUED: ["PAID", "FAILED"],
  PAID: ["RETURNED"],
  FAILED: [],
  RETURNED: [],
};

export function canRecord(from: OrderStatus, to: OrderStatus): boolean {
  return NEXT[from].includes(to);
}
