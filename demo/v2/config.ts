/**
 * `npm run demo:v2`'s settings: the same variables as `npm start` (demo/config.ts, docs/demo.md), with its
 * own defaults so that both demos run side by side, and its data under DEMO_DIR/v2 (default .demo/v2).
 *
 *   DEMO_MEDUSA_PORT 9100   KLARNA_SIMULATOR_PORT 4110   DEMO_POSTGRES_PORT 54339
 */
import path from "node:path"
import { demoDirFrom, loadDemoConfig, type DemoConfig } from "../config"

export const DEFAULT_V2_PORTS = { medusa: 9100, simulator: 4110, postgres: 54339 } as const

export function loadDemoV2Config(env: NodeJS.ProcessEnv = process.env): DemoConfig {
  const demoDir = path.join(demoDirFrom(env), "v2")
  const withV2Defaults: NodeJS.ProcessEnv = {
    ...env,
    DEMO_DIR: demoDir,
    DEMO_MEDUSA_PORT: env.DEMO_MEDUSA_PORT || String(DEFAULT_V2_PORTS.medusa),
    KLARNA_SIMULATOR_PORT: env.KLARNA_SIMULATOR_PORT || String(DEFAULT_V2_PORTS.simulator),
    DEMO_POSTGRES_PORT: env.DEMO_POSTGRES_PORT || String(DEFAULT_V2_PORTS.postgres),
  }
  return loadDemoConfig(withV2Defaults)
}
