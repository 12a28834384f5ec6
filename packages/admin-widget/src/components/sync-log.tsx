/**
 * Every Klarna call the plugin made or queued for this order, newest first, folded by default:
 * operation, state, attempts and, per attempt, what Klarna answered.
 */
import { Button, StatusBadge, Table } from "@medusajs/ui"
import { TriangleDownMini, TriangleRightMini } from "@medusajs/icons"
import { Fragment, useState } from "react"
import type { KlarnaJob } from "../lib/types"
import { formatShortDateTime, jobState, operationLabel } from "../lib/labels"
import { Section } from "./section"

function klarnaSays(attempt: KlarnaJob["attempts_log"][number]): string {
  if (attempt.outcome === "succeeded") return "OK"
  // Skipped: nothing was sent to Klarna, and the engine said why.
  if (attempt.outcome === "skipped") return attempt.reason ? `Nothing sent: ${attempt.reason}` : "Nothing sent"
  const parts = [
    attempt.http_status ? `HTTP ${attempt.http_status}` : null,
    attempt.error_code,
    attempt.error_messages?.join(" ") || attempt.error,
    attempt.correlation_id ? `correlation id ${attempt.correlation_id}` : null,
  ]
  return parts.filter(Boolean).join(" · ") || attempt.outcome
}

function JobRow({ job }: { job: KlarnaJob }) {
  const [open, setOpen] = useState(false)
  const state = jobState(job)
  const when =
    job.state === "pending" && job.attempts > 0
      ? `next try ${formatShortDateTime(job.run_at)}`
      : formatShortDateTime(job.finished_at ?? job.created_at)
  return (
    <Fragment>
      <Table.Row
        className="cursor-pointer"
        onClick={() => setOpen(!open)}
        data-testid="klarna-job"
        data-job-id={job.id}
        data-job-state={job.state}
      >
        <Table.Cell>
          <span className="inline-flex items-center gap-x-1">
            {open ? <TriangleDownMini className="text-ui-fg-muted" /> : <TriangleRightMini className="text-ui-fg-muted" />}
            {operationLabel(job.operation)}
          </span>
        </Table.Cell>
        <Table.Cell>
          <StatusBadge color={state.color}>{state.label}</StatusBadge>
        </Table.Cell>
        <Table.Cell className="text-ui-fg-subtle">{job.attempts_log.length}</Table.Cell>
        <Table.Cell className="text-ui-fg-subtle whitespace-nowrap pr-0 text-right">{when}</Table.Cell>
      </Table.Row>
      {/* A skipped call sent nothing to Klarna: say why, across the row, without unfolding it. */}
      {job.state === "skipped" && job.reason && !open && (
        <Table.Row className="hover:bg-transparent">
          <td colSpan={4} className="txt-compact-xsmall text-ui-fg-subtle break-words pb-2 pl-6" data-testid="klarna-job-reason">
            {job.reason}
          </td>
        </Table.Row>
      )}
      {open && (
        <Table.Row className="hover:bg-transparent">
          <td colSpan={4} className="py-2 pl-6">
            <dl className="txt-compact-xsmall text-ui-fg-subtle grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1">
              <dt className="text-ui-fg-muted">Idempotency key</dt>
              <dd className="font-mono">{job.idempotency_key}</dd>
              {/* Numbered in order: a manual retry starts the job's own attempt counter again. */}
              {job.attempts_log.map((attempt, index) => (
                <Fragment key={`${index}-${attempt.created_at}`}>
                  <dt className="text-ui-fg-muted whitespace-nowrap">
                    Attempt {index + 1} · {formatShortDateTime(attempt.created_at)}
                  </dt>
                  <dd className="break-words">{klarnaSays(attempt)}</dd>
                </Fragment>
              ))}
            </dl>
          </td>
        </Table.Row>
      )}
    </Fragment>
  )
}

export function SyncLog({ jobs }: { jobs: KlarnaJob[] }) {
  const [open, setOpen] = useState(false)
  if (jobs.length === 0) return null
  const newestFirst = [...jobs].reverse()
  return (
    <Section
      title="Sync log"
      testId="klarna-sync-log"
      aside={
        <Button variant="transparent" size="small" onClick={() => setOpen(!open)} data-testid="klarna-sync-log-toggle">
          {open ? "Hide" : `Show ${jobs.length} ${jobs.length === 1 ? "call" : "calls"}`}
        </Button>
      }
    >
      {open && (
        <Table className="table-fixed">
          <colgroup>
            <col />
            <col className="w-32" />
            <col className="w-24" />
            <col className="w-36" />
          </colgroup>
          <Table.Header>
            <Table.Row>
              <Table.HeaderCell>Operation</Table.HeaderCell>
              <Table.HeaderCell>State</Table.HeaderCell>
              <Table.HeaderCell>Attempts</Table.HeaderCell>
              <Table.HeaderCell className="pr-0 text-right">When</Table.HeaderCell>
            </Table.Row>
          </Table.Header>
          <Table.Body>
            {newestFirst.map((job) => (
              <JobRow key={job.id} job={job} />
            ))}
          </Table.Body>
        </Table>
      )}
    </Section>
  )
}
