/**
 * Events that say only that an order changed (a fulfillment canceled, a return received): the order
 * converges, i.e. the planner queues whatever its state now calls for (the automatic release once nothing
 * more will ship, a refund with its returned lines...).
 */
import type { SubscriberArgs, SubscriberConfig } from "@medusajs/framework"
import { runSubscriber } from "../medusa/subscriber-runner"

export default async function klarnaOrderChanged({ event, container }: SubscriberArgs<{ order_id: string }>): Promise<void> {
  await runSubscriber(container, event.name, (sync) => sync.converge(event.data.order_id))
}

export const config: SubscriberConfig = {
  event: ["order.fulfillment_canceled", "order.return_received"],
  context: { subscriberId: "klarna-order-changed" },
}
