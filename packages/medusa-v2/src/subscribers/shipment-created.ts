/**
 * shipment.created {id: fulfillment_id}: the fulfillment's labels become Klarna tracking (shipping_info) on
 * its capture, or it is captured now (captureOn "shipment"). The event names no order: the fulfillment's
 * order is read with query.graph.
 */
import type { SubscriberArgs, SubscriberConfig } from "@medusajs/framework"
import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import { runSubscriber } from "../medusa/subscriber-runner"

export default async function klarnaShipmentCreated({ event, container }: SubscriberArgs<{ id: string }>): Promise<void> {
  await runSubscriber(container, event.name, async (sync) => {
    const query = container.resolve(ContainerRegistrationKeys.QUERY)
    const { data } = await query.graph({ entity: "fulfillment", fields: ["id", "order.id"], filters: { id: event.data.id } })
    const orderId = (data[0] as { order?: { id?: string } | null } | undefined)?.order?.id
    if (!orderId) return { handled: false, reason: `fulfillment ${event.data.id} belongs to no order` }
    return sync.shipmentCreated(orderId, event.data.id)
  })
}

export const config: SubscriberConfig = { event: "shipment.created", context: { subscriberId: "klarna-shipment-created" } }
