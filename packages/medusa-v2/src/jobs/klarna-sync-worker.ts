import type { MedusaContainer } from "@medusajs/framework/types"

export default async function klarnaSyncWorker(container: MedusaContainer): Promise<void> {
  const logger = container.resolve("logger") as { info(m: string): void }
  logger.info(`klarna-order-sync: job tick`)
}

export const config = { name: "klarna-order-sync-worker", schedule: { interval: 5000 } }
