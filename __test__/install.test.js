// kafkars installed as a user installs it: its release tarballs (npm run pack:local) published
// to a private registry (verdaccio), then `npm install` in fresh apps on a PATH without cargo, so
// only a prebuilt binary can make them work; each app runs KafkaJS's quickstart against the test
// broker. The tarballs from dist/ installed directly load too.
const { execFileSync, spawnSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { isKafkars, unique } = require('./helpers')
const { platform, tarballs } = require('./packaging/tarballs')
const { startRegistry } = require('./packaging/registry')

const QUICKSTART = fs.readFileSync(path.join(__dirname, 'fixtures', 'quickstart.js'), 'utf-8')

// The apps see neither cargo (nor rustc) nor the npm_* settings of the `npm test` running this.
const PATH = process.env.PATH.split(path.delimiter)
  .filter(dir => !['cargo', 'rustc'].some(tool => fs.existsSync(path.join(dir, tool))))
  .join(path.delimiter)
const appEnv = () => ({
  ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name))),
  PATH,
})

let dir
let registry
let tarball

/** Runs npm against the test's registry, with its own cache; throws with its output when it fails. */
const npm = (cwd, ...args) => {
  const result = spawnSync('npm', [...args, '--userconfig', registry.npmrc, '--cache', path.join(dir, 'npm-cache')], {
    cwd,
    env: appEnv(),
    encoding: 'utf-8',
    timeout: 120_000,
  })
  if (result.status !== 0) throw new Error(`npm ${args.join(' ')} failed: ${result.stdout}${result.stderr}`)
  return result
}

/** `npm install` in an app; from a registry npm has nothing to warn of, a blocked script included. */
const install = (app, ...specs) => npm(app, 'install', '--no-audit', '--no-fund', ...specs).stderr

/** A fresh app directory with a package.json, as `npm init -y` leaves it. */
const newApp = name => {
  const app = path.join(dir, name)
  fs.mkdirSync(app)
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name, version: '1.0.0', private: true }))
  return app
}

const runQuickstart = (app, source) => {
  fs.writeFileSync(path.join(app, 'quickstart.js'), source)
  const result = spawnSync(process.execPath, ['quickstart.js'], {
    cwd: app,
    env: { ...appEnv(), TOPIC: unique('quickstart'), GROUP: unique('quickstart-group') },
    encoding: 'utf-8',
    timeout: 60_000,
  })
  expect(result.stderr).not.toMatch(/Error/)
  expect(result.status).toBe(0)
  // What the quickstart prints; KafkaJS's default logger prints its INFO entries there too.
  return result.stdout
    .trim()
    .split('\n')
    .filter(line => line.startsWith('{'))
    .map(line => JSON.parse(line))
    .filter(entry => entry.logger !== 'kafkajs')
}

const binaryIn = app => path.join(app, 'node_modules', `kafkars-${platform}`, `kafkars.${platform}.node`)

;(isKafkars ? describe : describe.skip)('kafkars installed from npm packages', () => {
  beforeAll(async () => {
    tarball = await tarballs()
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafkars-install-'))
    registry = await startRegistry(path.join(dir, 'registry'))
  }, 15 * 60_000)
  afterAll(async () => {
    await registry?.stop()
    if (dir) fs.rmSync(dir, { recursive: true, force: true })
  })

  test('the apps have no cargo to build with', () => {
    expect(spawnSync('cargo', ['--version'], { env: appEnv() }).error?.code).toBe('ENOENT')
  })

  // Before anything is published, so the registry cannot supply what the tarballs lack.
  test('the dist/ tarballs installed directly load the engine', () => {
    const app = newApp('from-dist')
    // npm 11 lists kafkars's `prepare` (a clone's build) as a script it blocks here; npm runs
    // `prepare` only for linked directories, never for a tarball, so nothing would run anyway.
    install(app, tarball.main, tarball.engine)
    expect(fs.existsSync(binaryIn(app))).toBe(true)
    const loaded = execFileSync(process.execPath, ['-e', "console.log(typeof require('kafkars').Kafka)"], {
      cwd: app,
      env: appEnv(),
      encoding: 'utf-8',
    })
    expect(loaded.trim()).toBe('function')
  })

  test('the platform package and the main package publish to a registry', () => {
    npm(dir, 'publish', '--ignore-scripts', tarball.engine)
    npm(dir, 'publish', '--ignore-scripts', tarball.main)
    const { version } = require('../package.json')
    expect(JSON.parse(npm(dir, 'view', 'kafkars', 'version', '--json').stdout)).toBe(version)
    expect(JSON.parse(npm(dir, 'view', `kafkars-${platform}`, 'version', '--json').stdout)).toBe(version)
  })

  test('`npm install kafkars` gets the prebuilt engine, and the quickstart runs on it', () => {
    const app = newApp('by-name')
    expect(install(app, 'kafkars')).toBe('')
    expect(fs.existsSync(binaryIn(app))).toBe(true)
    const source = QUICKSTART.replace("require('kafkajs')", "require('kafkars')")
    expect(source).not.toBe(QUICKSTART)
    expect(runQuickstart(app, source)).toEqual([{ partition: 0, offset: '0', value: 'Hello KafkaJS user!' }])
  })

  test("`npm install kafkajs@npm:kafkars` runs KafkaJS's quickstart unchanged", () => {
    const app = newApp('by-alias')
    expect(install(app, 'kafkajs@npm:kafkars')).toBe('')
    expect(require(path.join(app, 'node_modules', 'kafkajs', 'package.json')).name).toBe('kafkars')
    expect(fs.existsSync(binaryIn(app))).toBe(true)
    expect(runQuickstart(app, QUICKSTART)).toEqual([{ partition: 0, offset: '0', value: 'Hello KafkaJS user!' }])
  })
})
