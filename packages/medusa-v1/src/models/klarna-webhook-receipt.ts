import { Column, CreateDateColumn, Entity, PrimaryColumn } from "typeorm"

/** A webhook delivery already accepted (Shopify's X-Shopify-Webhook-Id): redelivery is a no-op. */
@Entity("klarna_webhook_receipt")
export class KlarnaWebhookReceipt {
  @PrimaryColumn()
  id!: string

  @PrimaryColumn()
  platform!: string

  @Column()
  topic!: string

  @CreateDateColumn({ type: "timestamptz" })
  received_at!: Date
}
