#!/usr/bin/env node
// tansu 0.6.0, the embedded broker (`npm run demo`, and tests on a machine without Java):
// installed once per machine with `cargo install` into ~/.cache/kafkars/tansu-0.6.0 (about 15
// minutes on 2 cores), started on a free 127.0.0.1 port with in-memory storage, or on sqlite in
// `dataDir` so that it can be started again on the same `port` with its data.
const { spawn, spawnSync } = require('node:child_process')
const fs = require('node:fs')
const net = require('node:net')
const os = require('node:os')
const path = require('node:path')
const { freePort } = require('./ports')

const VERSION = '0.6.0'
const ROOT = path.join(os.homedir(), '.cache', 'kafkars', `tansu-${VERSION}`)
const CACHED = path.join(ROOT, 'bin', 'tansu')

const isTansu = bin => {
  if (!fs.existsSync(bin)) return false
  const out = spawnSync(bin, ['--version'], { encoding: 'utf8' })
  return out.status === 0 && out.stdout.includes(VERSION)
}

const ensureTansu = () => {
  const candidate = process.env.KAFKARS_TANSU || CACHED
  if (isTansu(candidate)) return candidate
  if (process.env.KAFKARS_TANSU) {
    throw new Error(`KAFKARS_TANSU=${process.env.KAFKARS_TANSU} is not tansu ${VERSION}`)
  }
  console.error(
    `kafkars: installing tansu ${VERSION}, the broker the tests run against, into ${ROOT}.\n` +
      'This happens once per machine and takes about 15 minutes on 2 cores.'
  )
  const args = ['install', 'tansu', '--version', VERSION, '--locked', '--features', 'dynostore,libsql', '--root', ROOT]
  const result = spawnSync('cargo', args, { stdio: 'inherit' })
  if (result.status !== 0 || !isTansu(CACHED)) {
    throw new Error(`\`cargo ${args.join(' ')}\` failed (exit ${result.status})`)
  }
  return CACHED
}

const accepts = (port, timeoutMs) =>
  new Promise(resolve => {
    const socket = net.connect({ host: '127.0.0.1', port })
    const done = ok => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(timeoutMs, () => done(false))
    socket.on('connect', () => done(true))
    socket.on('error', () => done(false))
  })

const startTansu = async ({ port, dataDir, advertise } = {}) => {
  const bin = ensureTansu()
  const started = Date.now()
  port = port || (await freePort())
  const address = `127.0.0.1:${port}`
  const logFile = path.join(os.tmpdir(), `kafkars-tansu-${port}.log`)
  const log = fs.openSync(logFile, 'w')
  const child = spawn(
    bin,
    [
      'broker',
      '--listener-url', `tcp://${address}`,
      '--advertised-listener-url', `tcp://${advertise || address}`,
      // tansu resolves a sqlite path against its working directory.
      '--storage-engine', dataDir ? 'sqlite://tansu.db' : 'memory://tansu/',
    ],
    { stdio: ['ignore', log, log], cwd: dataDir }
  )
  fs.closeSync(log)
  const kill = () => child.exitCode === null && child.kill('SIGKILL')
  process.on('exit', kill)

  const deadline = Date.now() + 30000
  while (!(await accepts(port, 500))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      kill()
      throw new Error(`tansu did not start on ${address}; see ${logFile}`)
    }
    await new Promise(r => setTimeout(r, 100))
  }

  const stop = async () => {
    process.removeListener('exit', kill)
    if (child.exitCode !== null) return
    const exited = new Promise(resolve => child.once('exit', resolve))
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000)
    await exited
    clearTimeout(timer)
  }
  return { kind: 'tansu', version: VERSION, brokers: [address], port, startMs: Date.now() - started, stop, logFiles: [logFile], process: child }
}

module.exports = { ensureTansu, startTansu }

if (require.main === module) {
  try {
    console.log(ensureTansu())
  } catch (e) {
    console.error(`kafkars: ${e.message}`)
    process.exit(1)
  }
}
