/** The widget's amount field: what the merchant types → integer minor units of the order's currency. */
import { parseMinorUnits } from "../../packages/admin-widget/src/lib/amount-input"

describe("parseMinorUnits", () => {
  test.each([
    ["12.50", "SEK", 1250],
    ["12,5", "SEK", 1250],
    ["1 250", "SEK", 125000],
    ["0.01", "EUR", 1],
    ["100", "JPY", 100],
    ["1.234", "KWD", 1234],
    ["9007199254740.99", "SEK", 900719925474099],
  ])("%s %s → %i", (text, currency, minor) => {
    expect(parseMinorUnits(text, currency)).toBe(minor)
  })

  test.each([
    ["12.345", "SEK"],
    ["1.5", "JPY"],
    ["-1", "SEK"],
    ["abc", "SEK"],
    ["", "SEK"],
    ["1e3", "SEK"],
    ["99999999999999999", "SEK"],
  ])("%s %s is not an amount", (text, currency) => {
    expect(parseMinorUnits(text, currency)).toBeNull()
  })
})
