/** The card's footer: reconcile with Klarna (or Kustom), release what will not be captured. */
import { Button, usePrompt } from "@medusajs/ui"
import type { KlarnaOrder } from "../lib/types"
import { formatMoney } from "../lib/money"
import { messageOf, useKlarnaApi } from "../lib/api"
import { providerName } from "../lib/provider"
import type { Notify } from "./notify"

export function OrderActions(props: { view: KlarnaOrder; notify: Notify; onChanged: () => void }) {
  const { view, notify, onChanged } = props
  const prompt = usePrompt()
  const api = useKlarnaApi()
  const release = api.useReleaseRemaining(view.order_id)
  const reconcile = api.useReconcile(view.order_id)
  const name = providerName(view.provider)
  const remaining = view.amounts.remaining
  const canRelease = remaining > 0 && view.status !== "CANCELLED" && view.status !== "CLOSED"
  const releaseQueued = view.jobs.some((job) => job.operation === "release" && (job.state === "pending" || job.state === "running"))

  const onRelease = async () => {
    const confirmed = await prompt({
      title: "Release the remaining authorization?",
      description: `${name} releases ${formatMoney(remaining, view.currency)} that has not been captured. The customer will not be charged for it, and it cannot be captured afterwards.`,
      confirmText: "Release",
      cancelText: "Cancel",
    })
    if (!confirmed) return
    release.mutate({} as Record<string, never>, {
      onSuccess: () => {
        notify.success(name, "Releasing the remaining authorization")
        onChanged()
      },
      onError: (error) => notify.error(name, messageOf(error)),
    })
  }

  const onReconcile = () =>
    reconcile.mutate({} as Record<string, never>, {
      onSuccess: (data) => {
        const changes = data.reconcile.changes
        notify.success(
          name,
          changes.length === 0 ? `In sync with ${name}: nothing to repair` : `Repaired from ${name}: ${changes.join("; ")}`,
        )
        onChanged()
      },
      onError: (error) => notify.error(name, messageOf(error)),
    })

  return (
    <div className="flex items-center justify-end gap-x-2">
      <Button variant="secondary" size="small" isLoading={reconcile.isLoading} onClick={onReconcile} data-testid="klarna-reconcile">
        Check with {name}
      </Button>
      <Button
        variant="secondary"
        size="small"
        disabled={!canRelease || releaseQueued}
        isLoading={release.isLoading}
        onClick={() => void onRelease()}
        data-testid="klarna-release"
      >
        {canRelease ? `Release remaining ${formatMoney(remaining, view.currency)}` : "Nothing left to release"}
      </Button>
    </div>
  )
}
