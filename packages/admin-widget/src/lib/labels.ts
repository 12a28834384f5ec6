/** Words and colours the widget shows for Klarna statuses, sync operations and job states. */
import type { KlarnaJob } from "./types"

export type BadgeColor = "green" | "red" | "blue" | "orange" | "grey" | "purple"

const ORDER_STATUS: Record<string, { label: string; color: BadgeColor }> = {
  AUTHORIZED: { label: "Authorized", color: "blue" },
  PART_CAPTURED: { label: "Partly captured", color: "orange" },
  CAPTURED: { label: "Captured", color: "green" },
  CANCELLED: { label: "Cancelled", color: "grey" },
  EXPIRED: { label: "Expired", color: "red" },
  CLOSED: { label: "Closed", color: "grey" },
}

export function orderStatus(status: string): { label: string; color: BadgeColor } {
  return ORDER_STATUS[status] ?? { label: status, color: "grey" }
}

const OPERATIONS: Record<string, string> = {
  capture: "Capture",
  capture_remaining: "Capture remaining",
  shipping_info: "Tracking",
  refund: "Refund",
  release: "Release remaining",
  cancel: "Cancel order",
  trigger_send_out: "Resend to customer",
  update_references: "Order references",
}

export function operationLabel(operation: string): string {
  return OPERATIONS[operation] ?? operation
}

const JOB_STATE: Record<KlarnaJob["state"], { label: string; color: BadgeColor }> = {
  pending: { label: "Queued", color: "orange" },
  running: { label: "Running", color: "blue" },
  succeeded: { label: "Done", color: "green" },
  failed: { label: "Failed", color: "red" },
  skipped: { label: "Skipped", color: "grey" },
}

export function jobState(job: Pick<KlarnaJob, "state" | "attempts">): { label: string; color: BadgeColor } {
  // A pending job that already failed an attempt is waiting for its automatic retry.
  if (job.state === "pending" && job.attempts > 0) return { label: "Retrying", color: "orange" }
  return JOB_STATE[job.state] ?? { label: job.state, color: "grey" }
}

export function formatDateTime(iso: string | null | undefined, locale?: string): string {
  if (!iso) return ""
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return ""
  return new Intl.DateTimeFormat(locale, { day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit" }).format(
    date,
  )
}

/** Compact, for tables: "Nov 26, 14:02" (the year only when it is not this year's). */
export function formatShortDateTime(iso: string | null | undefined, locale?: string): string {
  if (!iso) return ""
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return ""
  const sameYear = date.getFullYear() === new Date().getFullYear()
  return new Intl.DateTimeFormat(locale, {
    day: "numeric",
    month: "short",
    ...(sameYear ? {} : { year: "numeric" }),
    hour: "2-digit",
    minute: "2-digit",
  }).format(date)
}
