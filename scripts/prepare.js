#!/usr/bin/env node
// `npm install` in a clone of this repository runs this: it builds the native addon (release,
// the binary users get and benchmarks measure) and makes sure the test broker is installed.
// Installs of the published package never run it: they take a prebuilt binary from npm/.
const { spawnSync } = require('node:child_process')
const path = require('node:path')

const root = path.join(__dirname, '..')

const run = (cmd, args) => {
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' })
  if (result.status !== 0) {
    console.error(`kafkars prepare: \`${cmd} ${args.join(' ')}\` failed`)
    process.exit(result.status || 1)
  }
}

run('npm', ['run', 'build'])
if (process.env.KAFKA_BROKERS) {
  console.log('kafkars prepare: KAFKA_BROKERS is set, the tests will use it; not installing tansu')
} else {
  run(process.execPath, [path.join(__dirname, 'tansu.js')])
}
