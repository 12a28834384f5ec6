import type { SubscriberArgs, SubscriberConfig } from "@medusajs/medusa"
import type KlarnaSyncService from "../services/klarna-sync"

/** Returned items can leave nothing more to ship: release the remaining authorization if so. */
export default async function handleItemsReturned({ data, container }: SubscriberArgs<{ id: string }>): Promise<void> {
  const sync = container.resolve<KlarnaSyncService>("klarnaSyncService")
  await sync.converge(data.id)
}

export const config: SubscriberConfig = {
  event: "order.items_returned",
  context: { subscriberId: "klarna-order-sync:order-items-returned" },
}
