import type { SubscriberArgs, SubscriberConfig } from "@medusajs/medusa"
import type KlarnaSyncService from "../services/klarna-sync"

/** A fulfillment canceled before its capture is never captured (the capture job checks); the order may now need a release. */
export default async function handleFulfillmentCanceled({
  data,
  container,
}: SubscriberArgs<{ id: string; fulfillment_id: string }>): Promise<void> {
  const sync = container.resolve<KlarnaSyncService>("klarnaSyncService")
  await sync.converge(data.id)
}

export const config: SubscriberConfig = {
  event: "order.fulfillment_canceled",
  context: { subscriberId: "klarna-order-sync:order-fulfillment-canceled" },
}
