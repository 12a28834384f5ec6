/**
 * JSON.parse for webhook bodies that keeps integers beyond Number.MAX_SAFE_INTEGER exact. Shopify ids
 * are 64-bit integers sent as JSON numbers (the sample payloads use ids like 820982911946154508, which
 * JSON.parse turns into 820982911946154500): such integer literals are quoted before parsing, so every
 * id arrives as a string or a safe number and `String(id)` is always the id Shopify sent.
 */
export function parseShopifyJson(text: string): unknown {
  return JSON.parse(quoteUnsafeIntegers(text))
}

/** Rewrites integer literals outside strings whose value is not a safe integer into JSON strings. */
export function quoteUnsafeIntegers(text: string): string {
  let out = ""
  let last = 0
  let i = 0
  const n = text.length
  while (i < n) {
    const ch = text[i]
    if (ch === '"') {
      // Skip the string, honouring escapes.
      i++
      while (i < n && text[i] !== '"') i += text[i] === "\\" ? 2 : 1
      i++
      continue
    }
    if (ch === "-" || (ch >= "0" && ch <= "9")) {
      const start = i
      if (text[i] === "-") i++
      while (i < n && text[i] >= "0" && text[i] <= "9") i++
      const isInteger = !(i < n && (text[i] === "." || text[i] === "e" || text[i] === "E"))
      if (!isInteger) {
        // A fraction or exponent: leave the number as it is.
        while (i < n && /[0-9eE+\-.]/.test(text[i])) i++
        continue
      }
      const literal = text.slice(start, i)
      if (!Number.isSafeInteger(Number(literal))) {
        out += `${text.slice(last, start)}"${literal}"`
        last = i
      }
      continue
    }
    i++
  }
  return last === 0 ? text : out + text.slice(last)
}
