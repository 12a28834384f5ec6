/**
 * The admin UI with the Klarna widget, built by scripts/build-admin.ts (the same build the browser test
 * uses) into build/admin, or MEDUSA_ADMIN_BUILD_DIR. The first start builds it (webpack: tens of seconds,
 * more on a busy machine; the launcher prints what it took); later starts find it up to date (the widget's sources and the admin packages are fingerprinted) and skip it.
 */
import { DEFAULT_ADMIN_BUILD_DIR, ensureAdminBuild as buildAdmin } from "../scripts/build-admin"
import type { DemoConfig } from "./config"

export async function ensureAdminBuild(config: DemoConfig, say: (line: string) => void): Promise<string> {
  const outDir = config.adminBuildDir ?? DEFAULT_ADMIN_BUILD_DIR
  let announced = false
  const result = await buildAdmin({
    outDir,
    log: (line) => {
      if (!announced && !line.includes("up to date")) {
        announced = true
        say(`Building the admin UI with the Klarna widget into ${outDir} (first start only; the time it takes is printed when done) ...`)
      }
    },
  })
  return result.outDir
}
