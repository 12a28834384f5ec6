import type { SubscriberArgs, SubscriberConfig } from "@medusajs/medusa"
import type KlarnaSyncService from "../services/klarna-sync"

/** A Medusa refund becomes one Klarna refund (reference = the refund id), with lines for returned items. */
export default async function handleRefundCreated({ data, container }: SubscriberArgs<{ id: string; refund_id: string }>): Promise<void> {
  const sync = container.resolve<KlarnaSyncService>("klarnaSyncService")
  await sync.refundCreated(data.id, data.refund_id)
}

export const config: SubscriberConfig = {
  event: "order.refund_created",
  context: { subscriberId: "klarna-order-sync:order-refund-created" },
}
