/**
 * The frame of the widget in the Medusa v1 admin: the same card the order page's own sections use
 * (Summary, Payment, Fulfillment, Customer), so the Klarna section sits among them as one of theirs.
 */
import type { CardProps } from "../../../../admin-widget/src/components/section"

export function Card(props: CardProps) {
  return (
    <div className="rounded-rounded bg-grey-0 border-grey-20 flex w-full flex-col overflow-hidden border" data-testid="klarna-widget">
      <div className="px-xlarge py-large">
        <div className="flex items-start justify-between gap-x-4">
          <div className="min-w-0">
            <h1 className="inter-xlarge-semibold text-grey-90">{props.title}</h1>
            {props.subtitle && <div className="inter-small-regular text-grey-50 pt-1.5">{props.subtitle}</div>}
          </div>
          {props.status && <div className="flex shrink-0 items-center gap-x-2">{props.status}</div>}
        </div>
        {props.children && <div className="flex flex-col">{props.children}</div>}
      </div>
      {props.footer && <div className="pb-large pt-base px-xlarge border-grey-20 border-t">{props.footer}</div>}
    </div>
  )
}
