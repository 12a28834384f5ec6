/** order.placed {id}: records the Klarna order behind the order and sets its merchant references. */
import type { SubscriberArgs, SubscriberConfig } from "@medusajs/framework"
import { runSubscriber } from "../medusa/subscriber-runner"

export default async function klarnaOrderPlaced({ event, container }: SubscriberArgs<{ id: string }>): Promise<void> {
  await runSubscriber(container, event.name, (sync) => sync.orderPlaced(event.data.id))
}

export const config: SubscriberConfig = { event: "order.placed", context: { subscriberId: "klarna-order-placed" } }
