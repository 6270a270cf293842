// A private npm registry for one test: verdaccio (a devDependency) on a free 127.0.0.1 port,
// storing in the test's directory, anyone may publish, and no uplink, so an install finds only
// what the test published and nothing reaches npmjs.org.
const { spawn } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')
const { freePort } = require('../../scripts/ports')

const VERDACCIO = require.resolve('verdaccio/bin/verdaccio')

const config = dir => `
storage: ${path.join(dir, 'storage')}
auth:
  htpasswd:
    file: ${path.join(dir, 'htpasswd')}
packages:
  '**':
    access: $all
    publish: $all
log: { type: stdout, format: pretty, level: warn }
`

const untilAnswers = async (url, child, output) => {
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`verdaccio exited (${child.exitCode}): ${output()}`)
    const ok = await fetch(`${url}-/ping`).then(
      response => response.ok,
      () => false,
    )
    if (ok) return
    await new Promise(resolve => setTimeout(resolve, 200))
  }
  throw new Error(`verdaccio did not answer at ${url} within 30 s: ${output()}`)
}

/**
 * Starts the registry; `npmrc` is a user config that points npm at it, with a token npm asks
 * for before it publishes (verdaccio lets anyone publish here, so any token will do).
 */
const startRegistry = async dir => {
  fs.mkdirSync(dir, { recursive: true })
  const port = await freePort()
  const url = `http://127.0.0.1:${port}/`
  fs.writeFileSync(path.join(dir, 'config.yaml'), config(dir))
  const child = spawn(process.execPath, [VERDACCIO, '--config', path.join(dir, 'config.yaml'), '--listen', `127.0.0.1:${port}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let log = ''
  child.stdout.on('data', chunk => (log += chunk))
  child.stderr.on('data', chunk => (log += chunk))
  const stop = () =>
    new Promise(resolve => {
      if (child.exitCode !== null) return resolve()
      child.once('exit', resolve)
      child.kill()
    })
  try {
    await untilAnswers(url, child, () => log)
  } catch (error) {
    await stop()
    throw error
  }
  const npmrc = path.join(dir, 'npmrc')
  fs.writeFileSync(npmrc, `registry=${url}\n//127.0.0.1:${port}/:_authToken=test\n`)
  return { url, npmrc, stop }
}

module.exports = { startRegistry }
