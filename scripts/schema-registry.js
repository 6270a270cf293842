#!/usr/bin/env node
// A real schema registry for the tests: Apicurio Registry, which serves Confluent's Schema
// Registry API at /apis/ccompat/v7. Its application jar comes from Maven Central and Quarkus's
// build step makes it runnable (scripts/apicurio/pom.xml), once per machine, into
// ~/.cache/kafkars/apicurio-<version>; each start is a JVM of its own on a free 127.0.0.1 port,
// with in-memory storage, so every start begins empty.
const { spawn, spawnSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { freePort } = require('./ports')

const VERSION = '2.4.2.Final'
const DIR = path.join(os.homedir(), '.cache', 'kafkars', `apicurio-${VERSION}`)
const RUNNER = path.join(DIR, 'apicurio-test-registry-1-runner.jar')
const POM = path.join(__dirname, 'apicurio', 'pom.xml')
const API = '/apis/ccompat/v7'
const START_TIMEOUT_MS = 60000

/** The runnable registry, built the first time (about a minute, more while Maven downloads). */
const ensureRegistry = () => {
  const complete = path.join(DIR, '.complete')
  if (fs.existsSync(complete)) return RUNNER
  const staging = `${DIR}.partial-${process.pid}`
  fs.rmSync(staging, { recursive: true, force: true })
  console.error(`kafkars: building Apicurio Registry ${VERSION} from Maven Central into ${DIR}`)
  const args = ['-B', '-q', '-Dstyle.color=never', '-f', POM, `-Dregistry.output=${staging}`, 'package']
  const result = spawnSync('mvn', args, { stdio: ['ignore', 'inherit', 'inherit'] })
  if (result.error || result.status !== 0) {
    fs.rmSync(staging, { recursive: true, force: true })
    const why = result.error ? result.error.message : `exit ${result.status}`
    throw new Error(`\`mvn ${args.join(' ')}\` failed (${why}): is Maven installed and Maven Central reachable?`)
  }
  fs.writeFileSync(path.join(staging, '.complete'), `${VERSION}\n`)
  fs.rmSync(DIR, { recursive: true, force: true })
  fs.renameSync(staging, DIR)
  return RUNNER
}

/** Whether the registry answers a request of its Confluent API (a list of subjects). */
const answers = async url => {
  try {
    const response = await fetch(`${url}/subjects`, { signal: AbortSignal.timeout(2000) })
    return response.ok
  } catch {
    return false
  }
}

/**
 * Starts a registry and resolves, once it answers, to `{ url, version, startMs, logFile, stop }`;
 * `url` is the base of its Confluent API, what `new SchemaRegistry({ host })` takes.
 */
const startRegistry = async () => {
  const runner = ensureRegistry()
  const started = Date.now()
  const port = await freePort()
  const url = `http://127.0.0.1:${port}${API}`
  const logFile = path.join(os.tmpdir(), `kafkars-apicurio-${port}.log`)
  const log = fs.openSync(logFile, 'w')
  const child = spawn(
    'java',
    ['-Xmx256m', '-Dquarkus.http.host=127.0.0.1', `-Dquarkus.http.port=${port}`, '-jar', runner],
    { stdio: ['ignore', log, log] }
  )
  fs.closeSync(log)
  const kill = () => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL')
  process.on('exit', kill)

  const deadline = Date.now() + START_TIMEOUT_MS
  while (!(await answers(url))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      kill()
      process.removeListener('exit', kill)
      const why = child.exitCode !== null ? `exited (${child.exitCode})` : `did not answer within ${START_TIMEOUT_MS} ms`
      throw new Error(`Apicurio Registry on port ${port} ${why}; see ${logFile}`)
    }
    await new Promise(resolve => setTimeout(resolve, 100))
  }

  const stop = async () => {
    process.removeListener('exit', kill)
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise(resolve => child.once('exit', resolve))
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 10000)
    await exited
    clearTimeout(timer)
  }
  return { kind: 'apicurio', version: VERSION, url, startMs: Date.now() - started, logFile, process: child, stop }
}

module.exports = { ensureRegistry, startRegistry }

// `node scripts/schema-registry.js --build` only builds it (npm install's prepare step);
// without it, a registry is started, its URL printed, and stopped when standard input closes.
if (require.main === module) {
  if (process.argv.includes('--build')) {
    try {
      console.log(ensureRegistry())
    } catch (e) {
      console.error(`kafkars: ${e.message}`)
      process.exit(1)
    }
  } else {
    startRegistry()
      .then(registry => {
        console.log(registry.url)
        process.stdin.resume()
        process.stdin.on('end', () => registry.stop().then(() => process.exit(0)))
      })
      .catch(e => {
        console.error(`kafkars: ${e.message}`)
        process.exit(1)
      })
  }
}
