// A real broker for tests, demo and benchmarks: KAFKA_BROKERS when set, else a tansu 0.6.0 on a
// free 127.0.0.1 port with in-memory storage, its output in a log file beside the OS temp dir.
// Fault tests ask for a private one (`own: true`), optionally on sqlite storage in `dataDir`
// so that it can be restarted on the same `port` with its data.
const { spawn } = require('node:child_process')
const fs = require('node:fs')
const net = require('node:net')
const os = require('node:os')
const path = require('node:path')
const { ensureTansu } = require('./ensure-tansu')

const freePort = () =>
  new Promise((resolve, reject) => {
    const server = net.createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })

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

const startBroker = async ({ own = false, port, dataDir } = {}) => {
  if (process.env.KAFKA_BROKERS && !own) {
    return { brokers: process.env.KAFKA_BROKERS.split(','), stop: async () => {}, external: true }
  }
  const bin = ensureTansu()
  port = port || (await freePort())
  const address = `127.0.0.1:${port}`
  const logFile = path.join(os.tmpdir(), `kafkars-tansu-${port}.log`)
  const log = fs.openSync(logFile, 'w')
  const child = spawn(
    bin,
    [
      'broker',
      '--listener-url', `tcp://${address}`,
      '--advertised-listener-url', `tcp://${address}`,
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
  return { brokers: [address], port, stop, logFile, process: child }
}

module.exports = { startBroker }
