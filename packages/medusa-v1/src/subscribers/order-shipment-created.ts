import type { SubscriberArgs, SubscriberConfig } from "@medusajs/medusa"
import type KlarnaSyncService from "../services/klarna-sync"

/** Tracking numbers go to the fulfillment's capture (or into the capture itself if it has not been made yet). */
export default async function handleShipmentCreated({
  data,
  container,
}: SubscriberArgs<{ id: string; fulfillment_id: string }>): Promise<void> {
  const sync = container.resolve<KlarnaSyncService>("klarnaSyncService")
  await sync.shipmentCreated(data.id, data.fulfillment_id)
}

export const config: SubscriberConfig = {
  event: "order.shipment_created",
  context: { subscriberId: "klarna-order-sync:order-shipment-created" },
}
