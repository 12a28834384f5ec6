/**
 * The error state: each sync job Klarna refused (and that is parked, not retried by itself) with
 * Klarna's own words — error code, messages, correlation id — and a Retry button.
 */
import { Alert, Button } from "@medusajs/ui"
import type { KlarnaJob } from "../lib/types"
import { formatDateTime, operationLabel } from "../lib/labels"
import { messageOf, useKlarnaApi } from "../lib/api"
import type { Notify } from "./notify"

function RetryButton(props: { job: KlarnaJob; notify: Notify; onQueued: () => void }) {
  const retry = useKlarnaApi().useRetryJob(props.job.id)
  return (
    <Button
      variant="secondary"
      size="small"
      isLoading={retry.isLoading}
      data-testid="klarna-retry"
      onClick={() =>
        retry.mutate({} as Record<string, never>, {
          onSuccess: () => {
            props.notify.success("Klarna", `${operationLabel(props.job.operation)} queued again`)
            props.onQueued()
          },
          onError: (error) => {
            props.notify.error("Klarna", messageOf(error))
            props.onQueued()
          },
        })
      }
    >
      Retry
    </Button>
  )
}

export function FailedJob(props: { job: KlarnaJob; notify: Notify; onChanged: () => void }) {
  const { job } = props
  const error = job.error
  const messages = error?.error_messages?.filter(Boolean) ?? []
  const facts = [
    error?.http_status ? `HTTP ${error.http_status}` : null,
    `${job.attempts} ${job.attempts === 1 ? "attempt" : "attempts"}`,
    job.finished_at ? `last tried ${formatDateTime(job.finished_at)}` : null,
  ].filter(Boolean)
  return (
    <Alert variant="error" data-testid="klarna-failure" data-job-id={job.id}>
      <div className="flex items-start justify-between gap-x-4">
        <div className="min-w-0">
          <p className="txt-compact-small-plus text-ui-fg-base">
            {operationLabel(job.operation)} failed
            {error?.error_code && (
              <code
                className="bg-ui-bg-base border-ui-border-base txt-compact-xsmall ml-2 rounded border px-1 py-0.5"
                data-testid="klarna-error-code"
              >
                {error.error_code}
              </code>
            )}
          </p>
          {/* Several messages (e.g. each order line the plugin refused, each naming its field and value): one a line. */}
          {messages.length > 1 ? (
            <ul className="text-ui-fg-subtle mt-1 list-disc pl-4" data-testid="klarna-error-message">
              {messages.map((message, index) => (
                <li key={index} className="break-words">
                  {message}
                </li>
              ))}
            </ul>
          ) : (
            <p className="text-ui-fg-subtle mt-1 break-words" data-testid="klarna-error-message">
              {messages[0] ?? error?.message ?? "Klarna did not say why."}
            </p>
          )}
          <p className="txt-compact-xsmall text-ui-fg-muted mt-1.5">
            {facts.join(" · ")}
            {error?.correlation_id && (
              <>
                {" · "}Correlation id{" "}
                <span className="font-mono" data-testid="klarna-correlation-id">
                  {error.correlation_id}
                </span>
              </>
            )}
          </p>
        </div>
        <div className="shrink-0">
          <RetryButton job={job} notify={props.notify} onQueued={props.onChanged} />
        </div>
      </div>
    </Alert>
  )
}

export function FailedJobs(props: { jobs: KlarnaJob[]; notify: Notify; onChanged: () => void }) {
  const failed = props.jobs.filter((job) => job.state === "failed")
  if (failed.length === 0) return null
  return (
    <div className="mt-6 flex flex-col gap-y-2" data-testid="klarna-failures">
      {failed.map((job) => (
        <FailedJob key={job.id} job={job} notify={props.notify} onChanged={props.onChanged} />
      ))}
    </div>
  )
}
