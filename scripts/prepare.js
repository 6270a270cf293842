#!/usr/bin/env node
// `npm install` in a clone of this repository runs this: it builds the native addon (release,
// the binary users get and benchmarks measure) and packs it, then makes sure, once per machine,
// that what the tests, the demo and the benchmarks run against is there: Apache Kafka's jars and
// Apicurio Registry (the schema-registry test's registry), where Java 17+ runs, tansu (the demo's
// embedded broker) and librdkafka (the interop tests' other client).
// Installs of the published package never run it: they take a prebuilt binary from npm/.
const { spawnSync } = require('node:child_process')
const path = require('node:path')
const { hasJava } = require('./kafka')

const root = path.join(__dirname, '..')

const run = (cmd, args) => {
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' })
  if (result.status !== 0) {
    console.error(`kafkars prepare: \`${cmd} ${args.join(' ')}\` failed`)
    process.exit(result.status || 1)
  }
}
const script = name => path.join(__dirname, name)

// The release addon as users get it: pack:local builds it (on Linux with glibc against glibc 2.17,
// through zig from PyPI, which needs python3) and packs dist/, which the packaging tests install;
// so they need no second release build. Without python3, a plain release build.
run('npm', ['run', spawnSync('python3', ['--version']).status === 0 ? 'pack:local' : 'build'])
if (hasJava()) {
  run(process.execPath, [script('kafka.js')])
  run(process.execPath, [script('schema-registry.js'), '--build'])
} else {
  console.log('kafkars prepare: no Java 17+ here, so the tests will run on tansu, not Apache Kafka,')
  console.log('and the schema-registry test, which needs Apicurio Registry (Java), will be skipped')
}
if (process.env.KAFKA_BROKERS) {
  console.log('kafkars prepare: KAFKA_BROKERS is set, the demo will use it; not installing tansu')
} else {
  run(process.execPath, [script('tansu.js')])
}
if (spawnSync('python3', ['--version']).status === 0) {
  run(process.execPath, [script('librdkafka.js')])
} else {
  console.log('kafkars prepare: no python3 here, so the librdkafka interop tests will be skipped')
}
