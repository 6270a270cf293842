// What `npm run pack:local` puts in dist/ is what a user installs: the main package with no
// binary and nothing but its JavaScript, types and loader; this platform's package with only its
// binary, named as the loader looks for it; the two wired by an optional dependency of one version.
// No broker: the tarballs are unpacked into a node_modules as npm would lay them out.
const { execFileSync, spawnSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { isKafkars } = require('./helpers')
const { root, platform, tarballs, unpack, entries } = require('./packaging/tarballs')

const pkg = require('../package.json')
const PLATFORMS = fs.readdirSync(path.join(root, 'npm')).sort()
const binary = `kafkars.${platform}.node`

/** Runs `code` with Node in `cwd`, returning its exit status and output. */
const node = (cwd, code) => {
  const result = spawnSync(process.execPath, ['-e', code], { cwd, encoding: 'utf-8' })
  return { status: result.status, stdout: result.stdout.trim(), stderr: result.stderr }
}

// Packaging is kafkars's own: KAFKA_CLIENT=kafkajs has nothing to pack.
;(isKafkars ? describe : describe.skip)('the tarballs of npm run pack:local', () => {
  let main
  let engine
  let dir
  beforeAll(async () => {
    ;({ main, engine } = await tarballs())
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafkars-packaging-'))
    unpack(main, path.join(dir, 'main'))
    unpack(engine, path.join(dir, 'engine'))
  }, 15 * 60_000)
  afterAll(() => dir && fs.rmSync(dir, { recursive: true, force: true }))

  test('the main package holds its JavaScript, types, loader and README, and no binary', () => {
    const lib = execFileSync('git', ['ls-files', 'lib'], { cwd: root, encoding: 'utf-8' }).trim().split('\n')
    const expected = ['README.md', 'package.json', 'index.js', 'index.d.ts', 'native.js', 'native.d.ts', 'binding.js', ...lib]
    expect(entries(main)).toEqual(expected.sort())
  })

  test("the platform package holds its binary, as its package.json's main, and nothing else", () => {
    expect(entries(engine)).toEqual(['README.md', binary, 'package.json'].sort())
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'engine', 'package.json'), 'utf-8'))
    expect(manifest).toMatchObject({ name: `kafkars-${platform}`, version: pkg.version, main: binary, files: [binary] })
  })

  test('every platform package under npm/ is an optional dependency of the same version, with os and cpu', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'main', 'package.json'), 'utf-8'))
    expect(Object.keys(manifest.optionalDependencies).sort()).toEqual(PLATFORMS.map(p => `kafkars-${p}`))
    for (const p of PLATFORMS) {
      expect(manifest.optionalDependencies[`kafkars-${p}`]).toBe(manifest.version)
      const declared = require(path.join(root, 'npm', p, 'package.json'))
      const [system, cpu] = p.split('-')
      expect(declared).toMatchObject({ name: `kafkars-${p}`, version: manifest.version, os: [system], cpu: [cpu] })
      if (system === 'linux') expect(declared.libc).toEqual([p.endsWith('musl') ? 'musl' : 'glibc'])
    }
  })

  test('installed side by side, the main package loads the binary from the platform package', () => {
    const app = path.join(dir, 'app')
    unpack(main, path.join(app, 'node_modules', 'kafkars'))
    unpack(engine, path.join(app, 'node_modules', `kafkars-${platform}`))
    const loaded = node(
      app,
      `const { Kafka } = require('kafkars')
       console.log(typeof Kafka, Object.keys(require.cache).filter(f => f.endsWith('.node')).join())`,
    )
    expect(loaded.stderr).toBe('')
    expect(loaded.stdout).toBe(`function ${path.join(fs.realpathSync(app), 'node_modules', `kafkars-${platform}`, binary)}`)
  })

  test('without its platform package, requiring kafkars names the platform and the package to install', () => {
    const app = path.join(dir, 'no-engine')
    unpack(main, path.join(app, 'node_modules', 'kafkars'))
    const loaded = node(app, "require('kafkars')")
    expect(loaded.status).not.toBe(0)
    expect(loaded.stderr).toContain(`kafkars cannot load its native engine on ${platform}`)
    expect(loaded.stderr).toContain(`npm install kafkars-${platform}@${pkg.version}`)
  })

  test("its version is KafkaJS's major, above every KafkaJS release, so KafkaJS's version ranges accept it", () => {
    // What @opentelemetry/instrumentation-kafkajs reads from node_modules/kafkajs/package.json
    // under the alias, and accepts in `>=0.3.0 <3`; a prerelease would fall outside any range.
    const { version } = JSON.parse(fs.readFileSync(path.join(dir, 'main', 'package.json'), 'utf-8'))
    const [major, minor] = version.split('.').map(Number)
    const kafkajs = require('kafkajs/package.json').version.split('.').map(Number)
    expect(version).toMatch(/^\d+\.\d+\.\d+$/)
    expect(major).toBe(kafkajs[0])
    expect(minor).toBeGreaterThan(kafkajs[1])
  })

  // napi-rs's published Linux binaries need glibc 2.17 (CentOS 7, Debian 8, Ubuntu 14.04) or later.
  ;(platform.endsWith('-gnu') ? test : test.skip)('the Linux binary asks for no glibc symbol newer than 2.17', () => {
    const dynamicSymbols = execFileSync('objdump', ['-T', path.join(dir, 'engine', binary)], { encoding: 'utf-8' })
    const required = [...new Set(dynamicSymbols.match(/\bGLIBC_[\d.]+/g))]
    expect(required.length).toBeGreaterThan(0)
    const newer = required.filter(symbolVersion => {
      const [major, minor] = symbolVersion.slice('GLIBC_'.length).split('.').map(Number)
      return major > 2 || (major === 2 && minor > 17)
    })
    expect(newer).toEqual([])
  })
})
