import type { SubscriberArgs, SubscriberConfig } from "@medusajs/medusa"
import type KlarnaSyncService from "../services/klarna-sync"

/** Cancels the Klarna order when nothing was captured; otherwise releases what remains authorized. */
export default async function handleOrderCanceled({ data, container }: SubscriberArgs<{ id: string }>): Promise<void> {
  const sync = container.resolve<KlarnaSyncService>("klarnaSyncService")
  await sync.orderCanceled(data.id)
}

export const config: SubscriberConfig = {
  event: "order.canceled",
  context: { subscriberId: "klarna-order-sync:order-canceled" },
}
