import type { SubscriberArgs, SubscriberConfig } from "@medusajs/medusa"
import type KlarnaSyncService from "../services/klarna-sync"

/** A fulfillment becomes one Klarna capture of exactly its items (with tracking if already known). */
export default async function handleFulfillmentCreated({
  data,
  container,
}: SubscriberArgs<{ id: string; fulfillment_id: string }>): Promise<void> {
  const sync = container.resolve<KlarnaSyncService>("klarnaSyncService")
  await sync.fulfillmentCreated(data.id, data.fulfillment_id)
}

export const config: SubscriberConfig = {
  event: "order.fulfillment_created",
  context: { subscriberId: "klarna-order-sync:order-fulfillment-created" },
}
