import { BeforeInsert, Column, CreateDateColumn, Entity, Index, PrimaryColumn } from "typeorm"
import { generateId } from "@klarna-order-sync/core"

/** The audit log: one row per execution of an outbox job, with Klarna's answer. */
@Entity("klarna_sync_attempt")
export class KlarnaSyncAttempt {
  @PrimaryColumn()
  id!: string

  @Index("IDX_klarna_sync_attempt_job")
  @Column()
  job_id!: string

  @Column("integer")
  attempt!: number

  @Column()
  operation!: string

  @Column()
  idempotency_key!: string

  @Column()
  worker_id!: string

  @Column({ type: "jsonb", nullable: true })
  request_summary!: Record<string, unknown> | null

  /** succeeded | retry | failed | skipped */
  @Column()
  outcome!: string

  @Column({ type: "integer", nullable: true })
  http_status!: number | null

  @Column({ type: "varchar", nullable: true })
  error_code!: string | null

  @Column({ type: "jsonb", nullable: true })
  error_messages!: string[] | null

  @Column({ type: "varchar", nullable: true })
  correlation_id!: string | null

  @Column({ type: "text", nullable: true })
  error!: string | null

  @Column("integer", { default: 0 })
  duration_ms!: number

  @CreateDateColumn({ type: "timestamptz" })
  created_at!: Date

  @BeforeInsert()
  protected beforeInsert(): void {
    this.id = this.id ?? generateId("katt")
  }
}
