// When a run fails, the end of the shared broker's log is printed with the failures: a broker-side
// cause (a rejected config, a coordinator that never loaded) is then in CI's output.
const fs = require('node:fs')

const TAIL_LINES = 80
class BrokerLogReporter {
  onRunComplete(_contexts, results) {
    const failed = results.numFailedTests > 0 || results.numFailedTestSuites > 0 || results.numRuntimeErrorTestSuites > 0
    // Global teardown runs after this, in the same process: it keeps a failed run's broker data.
    if (failed) process.env.KAFKARS_TESTS_FAILED = '1'
    const broker = globalThis.__KAFKARS_BROKER__
    if (!failed || !broker || !broker.logFiles) return
    for (const file of broker.logFiles) {
      const lines = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trimEnd().split('\n') : []
      console.log(`\nThe broker's log, kept at ${file}; its last ${TAIL_LINES} lines:`)
      console.log(lines.slice(-TAIL_LINES).join('\n'))
    }
  }
}

module.exports = BrokerLogReporter
