/** order.fulfillment_created {order_id, fulfillment_id}: captures the fulfillment's lines (captureOn "fulfillment"). */
import type { SubscriberArgs, SubscriberConfig } from "@medusajs/framework"
import { runSubscriber } from "../medusa/subscriber-runner"

export default async function klarnaFulfillmentCreated({
  event,
  container,
}: SubscriberArgs<{ order_id: string; fulfillment_id: string }>): Promise<void> {
  await runSubscriber(container, event.name, (sync) => sync.fulfillmentCreated(event.data.order_id, event.data.fulfillment_id))
}

export const config: SubscriberConfig = { event: "order.fulfillment_created", context: { subscriberId: "klarna-fulfillment-created" } }
