/**
 * What Kustom does differently from Klarna, beyond its hosts (config.ts): the Order Management calls it
 * deprecated. Kustom deprecated `trigger-send-out` (help.kustom.co article 454956) and the extend-due-date
 * calls (article 269361). `extend-authorization-time` is a different call (it moves the capture deadline, not
 * the customer's due date) and Kustom still offers it, so it is not listed.
 *
 * Matched on the request path, so an operation built by hand and run through `client.request()` is refused
 * too. The old post-delivery doc spells the due-date paths `/capture/` (singular); both spellings match.
 */
export interface KustomDeprecatedCall {
  /** The call as Kustom's documentation names it. */
  call: string
  pattern: RegExp
}

export const KUSTOM_DEPRECATED_CALLS: readonly KustomDeprecatedCall[] = [
  { call: "trigger-send-out", pattern: /\/captures?\/[^/]+\/trigger-send-out$/ },
  { call: "extend-due-date", pattern: /\/captures?\/[^/]+\/extend-due-date$/ },
  { call: "extend-due-date-options", pattern: /\/captures?\/[^/]+\/extend-due-date-options$/ },
]

/** The deprecated call a request path names, or undefined. Ignores a query string. */
export function kustomDeprecatedCall(path: string): string | undefined {
  const bare = path.split("?")[0] ?? ""
  return KUSTOM_DEPRECATED_CALLS.find((entry) => entry.pattern.test(bare))?.call
}
