import { BeforeInsert, Column, CreateDateColumn, Entity, Index, PrimaryColumn, Unique, UpdateDateColumn } from "typeorm"
import { generateId } from "@klarna-order-sync/core"

/** The Klarna order behind a platform order, and the amounts as Klarna last reported or we applied them. */
@Entity("klarna_order")
@Unique("UQ_klarna_order_platform_order", ["platform", "platform_order_id"])
export class KlarnaOrder {
  @PrimaryColumn()
  id!: string

  @Column({ default: "medusa" })
  platform!: string

  @Column()
  platform_order_id!: string

  @Index("IDX_klarna_order_klarna_order_id")
  @Column()
  klarna_order_id!: string

  @Column({ type: "varchar", nullable: true })
  klarna_reference!: string | null

  /** merchant_reference1/2 as the engine last set them on the Klarna order (null: not yet). */
  @Column({ type: "varchar", nullable: true })
  merchant_reference1!: string | null

  @Column({ type: "varchar", nullable: true })
  merchant_reference2!: string | null

  @Column({ length: 3 })
  currency!: string

  @Column("integer")
  authorized_amount!: number

  @Column("integer", { default: 0 })
  captured_amount!: number

  @Column("integer", { default: 0 })
  refunded_amount!: number

  @Column("integer", { default: 0 })
  released_amount!: number

  @Column({ default: "AUTHORIZED" })
  status!: string

  @CreateDateColumn({ type: "timestamptz" })
  created_at!: Date

  @UpdateDateColumn({ type: "timestamptz" })
  updated_at!: Date

  @BeforeInsert()
  protected beforeInsert(): void {
    this.id = this.id ?? generateId("kord")
  }
}
