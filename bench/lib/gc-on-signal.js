/**
 * Preloaded into the benchmark's Medusa servers (NODE_OPTIONS="--expose-gc --require <this file>"), the
 * same for the server with and without the plugin: on SIGUSR2 it runs a full garbage collection and
 * writes process.memoryUsage() to <tmpdir>/kos-bench-mem-<pid>.json, so memory is compared after GC
 * rather than at whatever point V8's collector happens to be.
 */
"use strict"
const fs = require("fs")
const os = require("os")
const path = require("path")
const v8 = require("v8")

process.on("SIGUSR2", () => {
  if (typeof global.gc === "function") {
    global.gc()
    global.gc()
  }
  const file = path.join(os.tmpdir(), `kos-bench-mem-${process.pid}.json`)
  const tmp = `${file}.tmp`
  // The young generation: V8 grows it under allocation pressure and never gives it back, GC or not.
  const young = v8
    .getHeapSpaceStatistics()
    .filter((space) => space.space_name === "new_space" || space.space_name === "new_large_object_space")
    .reduce((sum, space) => sum + space.space_size, 0)
  fs.writeFileSync(tmp, JSON.stringify({ at: Date.now(), gc: typeof global.gc === "function", young, ...process.memoryUsage() }))
  fs.renameSync(tmp, file)
})
