import { BeforeInsert, Column, CreateDateColumn, Entity, PrimaryColumn, Unique, UpdateDateColumn } from "typeorm"
import type { KlarnaOrderLine } from "@klarna-order-sync/core"
import { generateId } from "@klarna-order-sync/core"

/** One Klarna refund per platform refund (unique), with the lines sent. */
@Entity("klarna_refund")
@Unique("UQ_klarna_refund_source", ["platform", "platform_refund_id"])
export class KlarnaRefund {
  @PrimaryColumn()
  id!: string

  @Column({ default: "medusa" })
  platform!: string

  @Column()
  platform_order_id!: string

  @Column()
  klarna_order_id!: string

  @Column()
  platform_refund_id!: string

  @Column({ type: "varchar", nullable: true })
  refund_id!: string | null

  @Column("integer")
  refunded_amount!: number

  @Column({ type: "jsonb", default: [] })
  order_lines!: KlarnaOrderLine[]

  /** pending | refunded */
  @Column({ default: "pending" })
  status!: string

  @Column()
  idempotency_key!: string

  @Column({ type: "timestamptz", nullable: true })
  refunded_at!: Date | null

  @CreateDateColumn({ type: "timestamptz" })
  created_at!: Date

  @UpdateDateColumn({ type: "timestamptz" })
  updated_at!: Date

  @BeforeInsert()
  protected beforeInsert(): void {
    this.id = this.id ?? generateId("kref")
  }
}
