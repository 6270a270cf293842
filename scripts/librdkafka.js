#!/usr/bin/env node
// librdkafka, the other client of the interop tests and the benchmarks: Python's confluent-kafka
// (requirements-test.txt) in a virtual environment of the project's own, made once per machine in
// ~/.cache/kafkars, so that neither the user's Python nor a distribution's externally managed one
// is touched.
const { spawnSync } = require('node:child_process')
const crypto = require('node:crypto')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const REQUIREMENTS = path.join(__dirname, '..', 'requirements-test.txt')
// A new requirements file is a new environment.
const requirementsHash = () =>
  crypto.createHash('sha256').update(fs.readFileSync(REQUIREMENTS)).digest('hex').slice(0, 12)
const venvDir = () => path.join(os.homedir(), '.cache', 'kafkars', `librdkafka-${requirementsHash()}`)
const pythonIn = dir => path.join(dir, 'bin', 'python')

/** The environment's python when it is installed, else null. */
const librdkafkaPython = () => {
  const python = pythonIn(venvDir())
  return fs.existsSync(path.join(venvDir(), '.complete')) ? python : null
}

const run = (cmd, args) => {
  const result = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'] })
  if (result.error || result.status !== 0) {
    throw new Error(`\`${cmd} ${args.join(' ')}\` failed (${result.error ? result.error.message : `exit ${result.status}`})`)
  }
}

/** Makes the environment when it is missing; returns its python. */
const ensureLibrdkafka = () => {
  const ready = librdkafkaPython()
  if (ready) return ready
  const dir = venvDir()
  console.error(`kafkars: installing librdkafka (Python confluent-kafka) for the interop tests into ${dir}`)
  fs.rmSync(dir, { recursive: true, force: true })
  run('python3', ['-m', 'venv', dir])
  run(pythonIn(dir), ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', REQUIREMENTS])
  fs.writeFileSync(path.join(dir, '.complete'), '')
  return pythonIn(dir)
}

module.exports = { librdkafkaPython, ensureLibrdkafka }

if (require.main === module) {
  try {
    console.log(ensureLibrdkafka())
  } catch (e) {
    console.error(`kafkars: ${e.message}`)
    process.exit(1)
  }
}
