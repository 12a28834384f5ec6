import type { Logger, SubscriberArgs, SubscriberConfig } from "@medusajs/medusa"

/**
 * A claim's replacement items are not charged to the customer, so a claim fulfillment never captures
 * anything on Klarna. Logged, so a merchant reading the logs sees the decision.
 */
export default async function handleClaimFulfillmentCreated({ data, container }: SubscriberArgs<{ id: string; fulfillment_id: string }>) {
  container
    .resolve<Logger>("logger")
    .info(`klarna-order-sync: claim ${data.id} fulfillment ${data.fulfillment_id}: replacements are not charged, no Klarna capture`)
}

export const config: SubscriberConfig = {
  event: "claim.fulfillment_created",
  context: { subscriberId: "klarna-order-sync:claim-fulfillment-created" },
}
