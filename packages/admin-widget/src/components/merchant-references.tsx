/**
 * The references Klarna knows the order by, as the merchant sees them in Klarna's portal: reference 1 is
 * the store's order number, reference 2 its order id. "Not set yet" until the plugin has told Klarna
 * (right after the order is placed).
 */
import type { KlarnaOrder } from "../lib/types"

function Reference({ label, value, testId }: { label: string; value: string | null; testId: string }) {
  return (
    <div className="flex flex-col">
      <dt className="txt-compact-small text-ui-fg-subtle">{label}</dt>
      <dd className="txt-compact-small text-ui-fg-base font-mono break-all" data-testid={testId}>
        {value ? value : <span className="text-ui-fg-muted font-sans">Not set yet</span>}
      </dd>
    </div>
  )
}

export function MerchantReferences({ view }: { view: KlarnaOrder }) {
  const { merchant_reference1, merchant_reference2 } = view.merchant_references
  return (
    <dl className="mt-4 grid grid-cols-2 gap-x-4" data-testid="klarna-merchant-references">
      <Reference label="Merchant reference 1 (order number)" value={merchant_reference1} testId="klarna-merchant-reference1" />
      <Reference label="Merchant reference 2 (order id)" value={merchant_reference2} testId="klarna-merchant-reference2" />
    </dl>
  )
}
