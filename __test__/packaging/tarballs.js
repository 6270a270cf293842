// The tarballs `npm run pack:local` writes to dist/, for the tests that install them: packed
// again (a release build, ~3 minutes) when missing or older than anything that goes into them.
// Test files running at once share one packing through a lock directory.
const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const root = path.join(__dirname, '..', '..')
const dist = path.join(root, 'dist')
const lock = path.join(root, 'dist.lock')
const pkg = require('../../package.json')

const { thisPlatform } = require('../../scripts/platform')

// The platform pack:local builds on this machine.
const platform = thisPlatform()
const main = path.join(dist, `kafkars-${pkg.version}.tgz`)
const engine = path.join(dist, `kafkars-${platform}-${pkg.version}.tgz`)

const INPUTS = [
  ...['package.json', 'README.md', 'index.js', 'index.d.ts', 'native.js', 'lib', 'npm', 'crates'],
  ...['Cargo.toml', 'Cargo.lock', 'scripts/pack-local.js', 'scripts/platform.js'],
]

const newest = file => {
  const stat = fs.statSync(file, { throwIfNoEntry: false })
  if (!stat) return 0
  if (!stat.isDirectory()) return stat.mtimeMs
  return Math.max(0, ...fs.readdirSync(file).map(entry => newest(path.join(file, entry))))
}

const fresh = () => {
  const packed = [main, engine].map(file => fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0)
  return Math.min(...packed) > Math.max(...INPUTS.map(input => newest(path.join(root, input))))
}

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))

/** Paths of the main and the platform tarball, packed first if they are missing or stale. */
const tarballs = async () => {
  for (;;) {
    if (fresh()) return { main, engine }
    try {
      fs.mkdirSync(lock)
    } catch (error) {
      if (error.code !== 'EEXIST') throw error
      // Another test file is packing: wait for it, then look again. A lock older than any
      // packing was left by a run that was killed.
      if (Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) > 15 * 60_000) {
        fs.rmSync(lock, { recursive: true, force: true })
      }
      await sleep(2000)
      continue
    }
    try {
      if (!fresh()) execFileSync('npm', ['run', 'pack:local'], { cwd: root, stdio: 'inherit' })
    } finally {
      fs.rmdirSync(lock)
    }
  }
}

/** Unpacks a tarball into `dir` (its `package/` prefix removed). */
const unpack = (tarball, dir) => {
  fs.mkdirSync(dir, { recursive: true })
  execFileSync('tar', ['-xzf', tarball, '-C', dir, '--strip-components=1'])
}

/** The files a tarball holds, relative to its package root. */
const entries = tarball =>
  execFileSync('tar', ['-tzf', tarball], { encoding: 'utf-8' })
    .split('\n')
    .filter(line => line && !line.endsWith('/'))
    .map(line => line.replace(/^package\//, ''))
    .sort()

module.exports = { root, platform, tarballs, unpack, entries }
