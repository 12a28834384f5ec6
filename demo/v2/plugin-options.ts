/**
 * The v2 demo's plugin options: the simulator's credentials, as a merchant would write them in
 * medusa-config.ts (`plugins: [{ resolve: "@klarna-order-sync/medusa-v2", options }]`). The demo project's
 * config reads them as JSON from KOS_KLARNA_OPTIONS (scripts/medusa-v2-project.ts).
 */
export function klarnaPluginOptionsFor(simulatorUrl: string, username: string, password: string): Record<string, unknown> {
  return {
    credentials: [{ username, password, baseUrl: simulatorUrl }],
    carrierMapping: { manual: "postnord", manual_manual: "postnord" },
    captureOn: "fulfillment",
    autoRelease: true,
    purchaseCountry: "SE",
    worker: { pollIntervalMs: 1000 },
  }
}
