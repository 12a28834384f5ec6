/** A titled part of the Klarna card (Captures, Refunds, Sync log), and the props of the card frame itself. */
import { clx } from "@medusajs/ui"
import type { ReactNode } from "react"

/** What the panel puts in the admin's card frame (each plugin draws it like its admin's own order-page cards). */
export interface CardProps {
  title: ReactNode
  subtitle?: ReactNode
  status?: ReactNode
  children?: ReactNode
  footer?: ReactNode
}

export function Section(props: { title: ReactNode; aside?: ReactNode; children: ReactNode; className?: string; testId?: string }) {
  return (
    <section className={clx("mt-6", props.className)} data-testid={props.testId}>
      <div className="mb-3 flex items-center justify-between">
        <h2 className="txt-compact-medium-plus text-ui-fg-base">{props.title}</h2>
        {props.aside}
      </div>
      {props.children}
    </section>
  )
}
