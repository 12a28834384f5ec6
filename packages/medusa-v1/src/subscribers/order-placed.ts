import type { SubscriberArgs, SubscriberConfig } from "@medusajs/medusa"
import type KlarnaSyncService from "../services/klarna-sync"

/** Records the Klarna order behind a new order, so the order page shows it before anything ships. */
export default async function handleOrderPlaced({ data, container }: SubscriberArgs<{ id: string }>): Promise<void> {
  const sync = container.resolve<KlarnaSyncService>("klarnaSyncService")
  await sync.orderPlaced(data.id)
}

export const config: SubscriberConfig = {
  event: "order.placed",
  context: { subscriberId: "klarna-order-sync:order-placed" },
}
