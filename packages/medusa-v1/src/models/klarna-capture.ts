import { BeforeInsert, Column, CreateDateColumn, Entity, PrimaryColumn, Unique, UpdateDateColumn } from "typeorm"
import type { KlarnaOrderLine, KlarnaShippingInfo } from "@klarna-order-sync/core"
import { generateId } from "@klarna-order-sync/core"

/**
 * One Klarna capture, made for one platform object (`source_id`: a fulfillment id, or
 * `remaining:<order id>` for Medusa's "Capture payment" button). The unique (platform, source_id)
 * makes a second capture for the same fulfillment impossible.
 */
@Entity("klarna_capture")
@Unique("UQ_klarna_capture_source", ["platform", "source_id"])
export class KlarnaCapture {
  @PrimaryColumn()
  id!: string

  @Column({ default: "medusa" })
  platform!: string

  @Column()
  platform_order_id!: string

  @Column()
  klarna_order_id!: string

  /** fulfillment | remaining */
  @Column()
  source_type!: string

  @Column()
  source_id!: string

  @Column({ type: "varchar", nullable: true })
  capture_id!: string | null

  @Column({ type: "varchar", nullable: true })
  klarna_reference!: string | null

  @Column("integer")
  captured_amount!: number

  @Column({ type: "jsonb", default: [] })
  order_lines!: KlarnaOrderLine[]

  /** Every shipping_info entry Klarna holds for this capture, in the order they were sent. */
  @Column({ type: "jsonb", default: [] })
  shipping_info!: KlarnaShippingInfo[]

  /** pending | captured */
  @Column({ default: "pending" })
  status!: string

  @Column()
  idempotency_key!: string

  @Column({ type: "timestamptz", nullable: true })
  captured_at!: Date | null

  @CreateDateColumn({ type: "timestamptz" })
  created_at!: Date

  @UpdateDateColumn({ type: "timestamptz" })
  updated_at!: Date

  @BeforeInsert()
  protected beforeInsert(): void {
    this.id = this.id ?? generateId("kcap")
  }
}
