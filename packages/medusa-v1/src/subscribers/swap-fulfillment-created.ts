import type { Logger, SubscriberArgs, SubscriberConfig } from "@medusajs/medusa"

/**
 * A swap is paid by its own payment (the difference due), not by the original Klarna order, so its
 * fulfillment captures nothing on the original order. When the swap's own payment is a Klarna
 * payment, Medusa's capture of that payment (swap.payment_captured) goes through the processor.
 */
export default async function handleSwapFulfillmentCreated({ data, container }: SubscriberArgs<{ id: string; fulfillment_id: string }>) {
  container
    .resolve<Logger>("logger")
    .info(
      `klarna-order-sync: swap ${data.id} fulfillment ${data.fulfillment_id}: follows the swap's own payment, no capture on the original Klarna order`,
    )
}

export const config: SubscriberConfig = {
  event: "swap.fulfillment_created",
  context: { subscriberId: "klarna-order-sync:swap-fulfillment-created" },
}
