#!/usr/bin/env node
// `npm run pack:local`: the tarballs a user on this machine's platform installs, built as a
// release builds them, in dist/: the main package (JavaScript, types, the loader) and this
// platform's engine package (npm/<platform>/ with the release binary). On Linux with glibc the
// engine is built by cargo-zigbuild against glibc 2.17, as napi-rs's published binaries are, so it
// loads on every distribution since then (zig and cargo-zigbuild from PyPI, scripts/zig.js);
// elsewhere it is built for the machine itself.
const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { parseTriple } = require('@napi-rs/cli')
const { thisPlatform } = require('./platform')
const { ensureZig } = require('./zig')

const root = path.join(__dirname, '..')
const dist = path.join(root, 'dist')
const pkg = require('../package.json')

const run = (cmd, args, cwd = root, env = process.env) => {
  const result = spawnSync(cmd, args, { cwd, env, stdio: ['ignore', 'inherit', 'inherit'] })
  if (result.status !== 0) {
    throw new Error(`pack:local: \`${cmd} ${args.join(' ')}\` in ${cwd} failed (${result.error || result.status})`)
  }
}

const target = pkg.napi.targets.map(parseTriple).find(t => t.platformArchABI === thisPlatform())
if (!target) throw new Error(`pack:local: package.json's napi.targets has none for ${thisPlatform()}`)
const glibc217 = target.platform === 'linux' && target.abi === 'gnu'
if (glibc217) {
  const PATH = `${ensureZig()}${path.delimiter}${process.env.PATH}`
  run('npm', ['run', 'build', '--', '--target', `${target.triple}.2.17`, '--cross-compile'], root, { ...process.env, PATH })
} else {
  run('npm', ['run', 'build', '--', '--target', target.triple])
}

fs.rmSync(dist, { recursive: true, force: true })
fs.mkdirSync(dist)

/** Packs a copy of `files` into dist/, with `manifest` as its package.json. */
const packCopy = (files, manifest) => {
  const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'kafkars-pack-'))
  try {
    for (const [from, to] of files) fs.cpSync(from, path.join(stage, to), { recursive: true })
    fs.writeFileSync(path.join(stage, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`)
    // --ignore-scripts: `prepare` would rebuild the addon and set up the test brokers.
    run('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', dist], stage)
  } finally {
    fs.rmSync(stage, { recursive: true, force: true })
  }
}

// The main package as `napi prepublish` publishes it: every platform package an optional
// dependency of this version. The repository's package.json lists none, or `npm ci` in a clone
// would look for packages no registry has yet.
const platforms = pkg.napi.targets.map(t => parseTriple(t).platformArchABI)
packCopy(
  [...pkg.files, 'README.md'].map(file => [path.join(root, file), file]),
  { ...pkg, optionalDependencies: Object.fromEntries(platforms.map(p => [`${pkg.name}-${p}`, pkg.version])) },
)

// This platform's package: npm/<platform>/ and the engine just built.
const binary = `${pkg.napi.binaryName}.${target.platformArchABI}.node`
const npmDir = path.join(root, 'npm', target.platformArchABI)
packCopy(
  [
    [path.join(npmDir, 'README.md'), 'README.md'],
    [path.join(root, binary), binary],
  ],
  JSON.parse(fs.readFileSync(path.join(npmDir, 'package.json'), 'utf-8')),
)
console.log(`pack:local: ${fs.readdirSync(dist).join(', ')} in ${dist}`)
