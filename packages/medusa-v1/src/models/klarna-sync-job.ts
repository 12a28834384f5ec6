import { BeforeInsert, Column, CreateDateColumn, Entity, Index, PrimaryColumn, Unique, UpdateDateColumn } from "typeorm"
import { generateId } from "@klarna-order-sync/core"

/**
 * The outbox: one intended Klarna operation. Written before Klarna is called; a worker claims due rows
 * (see src/storage/sql/claim-job.ts) and records the outcome here and in klarna_sync_attempt.
 */
@Entity("klarna_sync_job")
@Unique("UQ_klarna_sync_job_key", ["job_key"])
@Index("IDX_klarna_sync_job_due", ["state", "run_at"])
export class KlarnaSyncJob {
  @PrimaryColumn()
  id!: string

  @Column({ default: "medusa" })
  platform!: string

  @Column()
  platform_order_id!: string

  /** Jobs with the same queue key (one per order) run one at a time, oldest first. */
  @Column()
  queue_key!: string

  @Column()
  job_key!: string

  @Column()
  operation!: string

  @Column()
  idempotency_key!: string

  @Column({ type: "jsonb", default: {} })
  payload!: Record<string, unknown>

  /** The request as first sent; retries resend exactly this. */
  @Column({ type: "jsonb", nullable: true })
  request!: Record<string, unknown> | null

  @Column({ type: "jsonb", nullable: true })
  result!: Record<string, unknown> | null

  /** pending | running | succeeded | failed | skipped */
  @Column({ default: "pending" })
  state!: string

  @Column("integer", { default: 0 })
  attempts!: number

  @Column("integer", { default: 8 })
  max_attempts!: number

  @Column({ type: "timestamptz" })
  run_at!: Date

  @Column({ type: "timestamptz", nullable: true })
  locked_at!: Date | null

  @Column({ type: "varchar", nullable: true })
  locked_by!: string | null

  @Column({ type: "integer", nullable: true })
  last_http_status!: number | null

  @Column({ type: "varchar", nullable: true })
  last_error_code!: string | null

  @Column({ type: "jsonb", nullable: true })
  last_error_messages!: string[] | null

  @Column({ type: "varchar", nullable: true })
  last_correlation_id!: string | null

  @Column({ type: "text", nullable: true })
  last_error!: string | null

  @Column({ type: "timestamptz", nullable: true })
  finished_at!: Date | null

  @CreateDateColumn({ type: "timestamptz" })
  created_at!: Date

  @UpdateDateColumn({ type: "timestamptz" })
  updated_at!: Date

  @BeforeInsert()
  protected beforeInsert(): void {
    this.id = this.id ?? generateId("kjob")
  }
}
