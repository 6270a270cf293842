#!/usr/bin/env node
// zig and cargo-zigbuild, with which pack:local builds the Linux glibc engine against glibc 2.17
// (napi build --cross-compile on a target such as x86_64-unknown-linux-gnu.2.17): both from PyPI,
// in a virtual environment of the project's own, made once per machine in ~/.cache/kafkars.
// cargo-zigbuild runs zig as `python3 -m ziglang` from the environment's python.
const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const ZIG = '0.17.1'
const ZIGBUILD = '0.24.1'
const PACKAGES = [`ziglang==${ZIG}`, `cargo-zigbuild==${ZIGBUILD}`]
const venvDir = path.join(os.homedir(), '.cache', 'kafkars', `zig-${ZIG}-cargo-zigbuild-${ZIGBUILD}`)
const binDir = path.join(venvDir, 'bin')

const run = (cmd, args) => {
  const result = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'] })
  if (result.error || result.status !== 0) {
    throw new Error(`\`${cmd} ${args.join(' ')}\` failed (${result.error ? result.error.message : `exit ${result.status}`})`)
  }
}

/** Makes the environment when it is missing; returns its bin directory, to put first on PATH. */
const ensureZig = () => {
  if (fs.existsSync(path.join(venvDir, '.complete'))) return binDir
  console.error(`kafkars: installing ${PACKAGES.join(' and ')} into ${venvDir}`)
  fs.rmSync(venvDir, { recursive: true, force: true })
  run('python3', ['-m', 'venv', venvDir])
  run(path.join(binDir, 'python'), ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', ...PACKAGES])
  fs.writeFileSync(path.join(venvDir, '.complete'), '')
  return binDir
}

module.exports = { ensureZig }

if (require.main === module) {
  try {
    console.log(ensureZig())
  } catch (e) {
    console.error(`kafkars: ${e.message}`)
    process.exit(1)
  }
}
