import type { SubscriberArgs, SubscriberConfig } from "@medusajs/framework"

export default async function klarnaOrderPlaced({ event, container }: SubscriberArgs<{ id: string }>): Promise<void> {
  const logger = container.resolve("logger") as { info(m: string): void }
  logger.info(`klarna-order-sync: order.placed ${event.data.id}`)
}

export const config: SubscriberConfig = { event: "order.placed" }
