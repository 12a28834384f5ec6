/**
 * The frame of the widget in the Medusa v2 dashboard: the Container and Heading the order page's own
 * sections use (Summary, Payment, Fulfillment), so the Klarna section sits among them as one of theirs.
 */
import { Container, Heading } from "@medusajs/ui"
import type { CardProps } from "../../../../admin-widget/src/components/section"

export function Card(props: CardProps) {
  return (
    <Container className="divide-y p-0" data-testid="klarna-widget">
      <div className="px-6 py-4">
        <div className="flex items-start justify-between gap-x-4">
          <div className="min-w-0">
            <Heading level="h2">{props.title}</Heading>
            {props.subtitle && <div className="txt-small text-ui-fg-subtle pt-1">{props.subtitle}</div>}
          </div>
          {props.status && <div className="flex shrink-0 items-center gap-x-2">{props.status}</div>}
        </div>
        {props.children && <div className="flex flex-col">{props.children}</div>}
      </div>
      {props.footer && <div className="px-6 py-4">{props.footer}</div>}
    </Container>
  )
}
