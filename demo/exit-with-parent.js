/**
 * Preloaded (`node -r`) into the processes the demo launcher starts. The launcher keeps their stdin open as
 * a pipe; if the launcher dies without stopping them (SIGKILL, a crash), the pipe closes and this asks the
 * process to shut down (SIGTERM: graceful), then exits it for good after 15 s. No orphan keeps the ports.
 */
"use strict"

let fired = false
function parentGone() {
  if (fired) return
  fired = true
  try {
    process.kill(process.pid, "SIGTERM")
  } catch {
    process.exit(1)
  }
  setTimeout(() => process.exit(1), 15000).unref()
}

process.stdin.on("end", parentGone)
process.stdin.on("close", parentGone)
process.stdin.on("error", parentGone)
process.stdin.resume()
