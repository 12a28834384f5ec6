/** order.canceled {id}: cancels the Klarna order, or releases what its captures left open. */
import type { SubscriberArgs, SubscriberConfig } from "@medusajs/framework"
import { runSubscriber } from "../medusa/subscriber-runner"

export default async function klarnaOrderCanceled({ event, container }: SubscriberArgs<{ id: string }>): Promise<void> {
  await runSubscriber(container, event.name, (sync) => sync.orderCanceled(event.data.id))
}

export const config: SubscriberConfig = { event: "order.canceled", context: { subscriberId: "klarna-order-canceled" } }
