const fs = require('node:fs')

// The broker's data goes with it, unless a test failed: then its log stays for reading (the
// reporter printed its end and where it is).
module.exports = async () => {
  const broker = globalThis.__KAFKARS_BROKER__
  await broker.stop()
  if (broker.dataDir && !process.env.KAFKARS_TESTS_FAILED) fs.rmSync(broker.dataDir, { recursive: true, force: true })
}
