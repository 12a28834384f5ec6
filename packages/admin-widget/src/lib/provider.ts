/**
 * Who serves the order's Order Management API (the view's `provider`): Klarna, or Kustom for former Klarna
 * Checkout merchants. The widget names it where it talks about it, and offers no Resend for Kustom, which
 * deprecated trigger-send-out.
 */
import type { KlarnaOrder } from "./types"

type Provider = KlarnaOrder["provider"]

const NAMES: Record<Provider, string> = { klarna: "Klarna", kustom: "Kustom" }

export function providerName(provider: Provider): string {
  return NAMES[provider] ?? "Klarna"
}

/** Kustom deprecated trigger-send-out: the server refuses it, so the button is not shown. */
export function offersResend(provider: Provider): boolean {
  return provider !== "kustom"
}
