import { BeforeInsert, Column, CreateDateColumn, Entity, PrimaryColumn, Unique, UpdateDateColumn } from "typeorm"
import { generateId } from "@klarna-order-sync/core"

/**
 * A Klarna order created at checkout, with its cart (checkout_id), until the cart becomes an order
 * (status ordered) or the Klarna order is cancelled because it never did (cancelling, cancelled).
 */
@Entity("klarna_authorization")
@Unique("UQ_klarna_authorization_klarna_order", ["klarna_order_id"])
export class KlarnaAuthorization {
  @PrimaryColumn()
  id!: string

  @Column({ default: "medusa" })
  platform!: string

  @Column()
  checkout_id!: string

  @Column()
  klarna_order_id!: string

  @Column()
  currency!: string

  @Column("integer")
  amount!: number

  /** authorized | ordered | cancelling | cancelled */
  @Column({ default: "authorized" })
  status!: string

  @Column({ type: "varchar", nullable: true })
  platform_order_id!: string | null

  /** Why it is being cancelled: the completion's error, or no order after the grace period. */
  @Column({ type: "text", nullable: true })
  reason!: string | null

  @Column({ type: "timestamptz", nullable: true })
  cancelled_at!: Date | null

  @CreateDateColumn({ type: "timestamptz" })
  created_at!: Date

  @UpdateDateColumn({ type: "timestamptz" })
  updated_at!: Date

  @BeforeInsert()
  protected beforeInsert(): void {
    this.id = this.id ?? generateId("kauth")
  }
}
