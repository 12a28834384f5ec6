/** payment.refunded {id: payment_id}: the refunds of the payment's order go to Klarna (one job per Medusa refund). */
import type { SubscriberArgs, SubscriberConfig } from "@medusajs/framework"
import { runSubscriber } from "../medusa/subscriber-runner"

export default async function klarnaPaymentRefunded({ event, container }: SubscriberArgs<{ id: string }>): Promise<void> {
  await runSubscriber(container, event.name, (sync) => sync.paymentRefunded(event.data.id))
}

export const config: SubscriberConfig = { event: "payment.refunded", context: { subscriberId: "klarna-payment-refunded" } }
