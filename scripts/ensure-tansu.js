#!/usr/bin/env node
// Finds tansu 0.6.0 (the broker tests run against), installing it once per machine when absent:
// `cargo install` into ~/.cache/kafkars/tansu-0.6.0, about 15 minutes on 2 cores.
const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

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

module.exports = { ensureTansu }

if (require.main === module) {
  try {
    console.log(ensureTansu())
  } catch (e) {
    console.error(`kafkars: ${e.message}`)
    process.exit(1)
  }
}
