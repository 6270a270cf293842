#!/usr/bin/env node
// Apache Kafka for tests, demo and benchmarks, started as its own distribution starts it: the
// broker's jars from Maven Central (scripts/kafka/pom.xml, resolved once per machine into
// ~/.cache/kafkars/kafka-<version>/lib), a KRaft storage directory formatted by Kafka's
// StorageTool, and `kafka.Kafka server.properties` in a JVM of its own, on free 127.0.0.1 ports.
// A cluster is one combined broker+controller per node; three nodes form one controller quorum.
const { spawn, spawnSync } = require('node:child_process')
const crypto = require('node:crypto')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { freePort } = require('./ports')

// The newest Kafka whose jars Maven Central serves here; KAFKARS_KAFKA_VERSION picks another
// (3.9.x is the other line tested: the last before KIP-896 removed old protocol versions).
const DEFAULT_VERSION = '4.4.0'
const CACHE = path.join(os.homedir(), '.cache', 'kafkars')
const POM = path.join(__dirname, 'kafka', 'pom.xml')
const STARTED = 'Kafka Server started'
const START_TIMEOUT_MS = 120000

const kafkaVersion = () => process.env.KAFKARS_KAFKA_VERSION || DEFAULT_VERSION
const major = version => Number(version.split('.')[0])

/** The major version of the `java` on PATH, or 0 when there is none. */
const javaMajor = () => {
  const out = spawnSync('java', ['-version'], { encoding: 'utf8' })
  if (out.error || out.status !== 0) return 0
  const match = /version "(\d+)(?:\.(\d+))?/.exec(out.stderr)
  if (!match) return 0
  // Java 8 and older call themselves 1.x.
  return match[1] === '1' ? Number(match[2]) : Number(match[1])
}

/** Kafka's broker needs Java 17 or newer. */
const hasJava = () => javaMajor() >= 17

const libDir = version => path.join(CACHE, `kafka-${version}`, 'lib')

/** The broker's jars for `version`, resolved from Maven Central the first time. */
const ensureKafka = (version = kafkaVersion()) => {
  const lib = libDir(version)
  const complete = path.join(lib, '.complete')
  if (fs.existsSync(complete)) return lib
  const staging = `${lib}.partial-${process.pid}`
  fs.rmSync(staging, { recursive: true, force: true })
  console.error(`kafkars: resolving Apache Kafka ${version}'s broker from Maven Central into ${lib}`)
  const args = [
    '-B', '-q', '-Dstyle.color=never', '-f', POM,
    `-Dkafka.version=${version}`,
    `-P${major(version) >= 4 ? 'kafka4' : 'kafka3'}`,
    'dependency:copy-dependencies',
    `-DoutputDirectory=${staging}`,
    '-DincludeScope=runtime',
  ]
  const result = spawnSync('mvn', args, { stdio: ['ignore', 'inherit', 'inherit'] })
  if (result.error || result.status !== 0) {
    fs.rmSync(staging, { recursive: true, force: true })
    const why = result.error ? result.error.message : `exit ${result.status}`
    throw new Error(`\`mvn ${args.join(' ')}\` failed (${why}): is Maven installed and Maven Central reachable?`)
  }
  fs.writeFileSync(path.join(staging, '.complete'), `${version}\n`)
  fs.rmSync(lib, { recursive: true, force: true })
  fs.mkdirSync(path.dirname(lib), { recursive: true })
  fs.renameSync(staging, lib)
  return lib
}

// Kafka 4 logs through log4j 2, Kafka 3 through reload4j: the same console layout for both.
const LOG4J2 = `appender.c.type=Console
appender.c.name=C
appender.c.layout.type=PatternLayout
appender.c.layout.pattern=[%d] %p %m (%c)%n
rootLogger.level=INFO
rootLogger.appenderRef.c.ref=C
logger.request.name=kafka.request.logger
logger.request.level=WARN
`
const LOG4J1 = `log4j.rootLogger=INFO, c
log4j.appender.c=org.apache.log4j.ConsoleAppender
log4j.appender.c.layout=org.apache.log4j.PatternLayout
log4j.appender.c.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
`

/**
 * server.properties for node `node` of `nodes`. `advertise` replaces the address the client
 * listener hands out (the advertised-listener trap); brokers then talk among themselves on a
 * listener of their own, as a Docker setup with an internal and an external listener does.
 */
const serverProperties = ({ node, nodes, dir, settings }) => {
  const replicas = nodes.length
  const voters = nodes.map(n => `${n.id}@127.0.0.1:${n.controllerPort}`).join(',')
  const client = `CLIENT://127.0.0.1:${node.port}`
  const internal = `INTERNAL://127.0.0.1:${node.internalPort}`
  const properties = {
    'process.roles': 'broker,controller',
    'node.id': node.id,
    'controller.quorum.voters': voters,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'INTERNAL',
    listeners: `${client},${internal},CONTROLLER://127.0.0.1:${node.controllerPort}`,
    'advertised.listeners': `CLIENT://${node.advertise || `127.0.0.1:${node.port}`},${internal}`,
    'listener.security.protocol.map': 'CLIENT:PLAINTEXT,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'log.dirs': path.join(dir, 'log'),
    'num.partitions': 1,
    'default.replication.factor': replicas,
    'min.insync.replicas': Math.min(replicas, 2),
    'offsets.topic.replication.factor': replicas,
    'offsets.topic.num.partitions': 1,
    'transaction.state.log.replication.factor': replicas,
    'transaction.state.log.min.isr': Math.min(replicas, 2),
    'transaction.state.log.num.partitions': 1,
    // Joins settle at once instead of after Kafka's default 3 s of waiting for more members.
    'group.initial.rebalance.delay.ms': 0,
    'auto.create.topics.enable': true,
    // A killed node is fenced after 3 s (Kafka's default is 9 s), so leaders move quickly.
    'broker.heartbeat.interval.ms': 500,
    'broker.session.timeout.ms': 3000,
    // Small machines: few threads, and the log cleaner's 128 MiB buffer is not needed.
    'num.network.threads': 2,
    'num.io.threads': 2,
    'background.threads': 2,
    'num.replica.fetchers': 1,
    'log.cleaner.dedupe.buffer.size': 2097152,
    ...(typeof settings === 'function' ? settings(node) : settings),
  }
  if (major(node.version) >= 4) {
    Object.assign(properties, {
      'share.coordinator.state.topic.replication.factor': replicas,
      'share.coordinator.state.topic.min.isr': Math.min(replicas, 2),
      'share.coordinator.state.topic.num.partitions': 1,
    })
  }
  return Object.entries(properties)
    .map(([key, value]) => `${key}=${value}`)
    .join('\n')
}

const jvmArgs = (version, dir) => {
  const config =
    major(version) >= 4
      ? `-Dlog4j2.configurationFile=${path.join(dir, 'log4j2.properties')}`
      : `-Dlog4j.configuration=file:${path.join(dir, 'log4j.properties')}`
  return [
    '-Xms256m', '-Xmx512m', '-XX:+UseG1GC', '-Djava.awt.headless=true',
    config, `-Dkafka.logs.dir=${path.join(dir, 'logs')}`,
    '-cp', path.join(libDir(version), '*'),
  ]
}

// Any 16 random bytes, base64url without padding, is a cluster id Kafka accepts, but one that
// starts with '-' would be read by StorageTool as an option.
const clusterId = () => {
  for (;;) {
    const id = crypto.randomBytes(16).toString('base64url')
    if (!id.startsWith('-')) return id
  }
}

/** Writes a node's directory and formats its storage: done once; a restart reuses it. */
const prepareNode = ({ node, nodes, dir, settings, cluster, scram }) => {
  fs.mkdirSync(dir, { recursive: true })
  fs.writeFileSync(path.join(dir, 'server.properties'), serverProperties({ node, nodes, dir, settings }))
  fs.writeFileSync(path.join(dir, 'log4j2.properties'), LOG4J2)
  fs.writeFileSync(path.join(dir, 'log4j.properties'), LOG4J1)
  fs.writeFileSync(path.join(dir, 'node.json'), JSON.stringify(node))
  const format = spawnSync(
    'java',
    [
      ...jvmArgs(node.version, dir),
      'kafka.tools.StorageTool', 'format', '-t', cluster, '-c', path.join(dir, 'server.properties'),
      ...scram.flatMap(credential => ['--add-scram', credential]),
    ],
    { encoding: 'utf8' }
  )
  if (format.status !== 0) {
    throw new Error(`formatting Kafka's storage in ${dir} failed:\n${format.stdout}${format.stderr}`)
  }
}

/** Starts a prepared node's JVM; resolves once it logged that it started. */
const runNode = (node, dir) =>
  new Promise((resolve, reject) => {
    const logFile = path.join(dir, 'broker.log')
    const log = fs.openSync(logFile, 'a')
    const child = spawn('java', [...jvmArgs(node.version, dir), 'kafka.Kafka', path.join(dir, 'server.properties')], {
      stdio: ['ignore', 'pipe', log],
    })
    fs.closeSync(log)
    const kill = () => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL')
    process.on('exit', kill)
    let tail = ''
    let ready = false
    const timer = setTimeout(() => {
      kill()
      reject(new Error(`Kafka node ${node.id} did not start within ${START_TIMEOUT_MS} ms; see ${logFile}`))
    }, START_TIMEOUT_MS)
    child.stdout.on('data', chunk => {
      fs.appendFileSync(logFile, chunk)
      if (ready) return
      tail = (tail + chunk.toString()).slice(-4096)
      if (tail.includes(STARTED)) {
        ready = true
        clearTimeout(timer)
        resolve(child)
      }
    })
    child.once('exit', (code, signal) => {
      process.removeListener('exit', kill)
      if (ready) return
      clearTimeout(timer)
      reject(new Error(`Kafka node ${node.id} exited (${signal || code}) before it started; see ${logFile}`))
    })
  })

const stopChild = async (child, { graceMs = 10000 } = {}) => {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise(resolve => child.once('exit', resolve))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
  await exited
  clearTimeout(timer)
}

/** One node of a running cluster: its address, its process, and kill/stop/start by itself. */
class KafkaNode {
  constructor(node, dir) {
    this.id = node.id
    this.node = node
    this.dir = dir
    this.address = `127.0.0.1:${node.port}`
    this.logFile = path.join(dir, 'broker.log')
    this.process = null
  }

  async start() {
    this.process = await runNode(this.node, this.dir)
    return this
  }

  /** SIGKILL, as a crashed machine: no controlled shutdown, leaders are moved by the controller. */
  async kill() {
    const child = this.process
    if (!child || child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise(resolve => child.once('exit', resolve))
    child.kill('SIGKILL')
    await exited
  }

  async stop() {
    if (this.process) await stopChild(this.process)
  }

  get running() {
    return Boolean(this.process && this.process.exitCode === null && this.process.signalCode === null)
  }
}

/**
 * Starts a Kafka cluster of `nodes` combined nodes in `dataDir` (a new temp dir when absent).
 * A `dataDir` that holds a cluster from before is started again as it was: same ports, same data.
 * `settings` adds server.properties entries: an object for every node, or a function of the
 * node (`{ id }`) for entries that differ per node, such as `broker.rack`; `advertise` (one
 * node) makes the client listener advertise that address instead of its own; `scram` lists SCRAM
 * users written into the storage as it is formatted (StorageTool's `--add-scram`), e.g.
 * `SCRAM-SHA-256=[name=alice,password=alice-secret]`.
 */
const startKafka = async ({ nodes: count = 1, dataDir, settings = {}, advertise, scram = [], version = kafkaVersion() } = {}) => {
  ensureKafka(version)
  const root = dataDir || fs.mkdtempSync(path.join(os.tmpdir(), 'kafkars-kafka-'))
  const existing = fs.existsSync(path.join(root, 'node-1', 'node.json'))
  const readNodes = () =>
    fs
      .readdirSync(root)
      .filter(name => name.startsWith('node-'))
      .map(name => JSON.parse(fs.readFileSync(path.join(root, name, 'node.json'), 'utf8')))
      .sort((a, b) => a.id - b.id)
  const newNodes = async () => {
    const nodes = []
    for (let id = 1; id <= count; id++) {
      nodes.push({
        id,
        version,
        port: await freePort(),
        internalPort: await freePort(),
        controllerPort: await freePort(),
        advertise: id === 1 ? advertise : undefined,
      })
    }
    const cluster = clusterId()
    for (const node of nodes) {
      const dir = path.join(root, `node-${node.id}`)
      fs.rmSync(dir, { recursive: true, force: true })
      prepareNode({ node, nodes, dir, settings, cluster, scram })
    }
    return nodes
  }
  let nodes = existing ? readNodes() : await newNodes()
  let members
  const started = Date.now()
  for (let attempt = 1; ; attempt++) {
    members = nodes.map(node => new KafkaNode(node, path.join(root, `node-${node.id}`)))
    // All at once: a quorum of three controllers needs a majority before any broker starts.
    const results = await Promise.allSettled(members.map(member => member.start()))
    const failed = results.find(result => result.status === 'rejected')
    if (!failed) break
    await Promise.all(members.map(member => member.kill()))
    // A port found free can be taken by another process (a test's broker or registry starting
    // alongside) before Kafka binds it: a new cluster then starts again on other ports.
    const portTaken = members.some(
      member => fs.existsSync(member.logFile) && fs.readFileSync(member.logFile, 'utf8').includes('Address already in use')
    )
    if (existing || !portTaken || attempt >= 3) throw failed.reason
    nodes = await newNodes()
  }
  return {
    kind: 'kafka',
    version,
    brokers: members.map(member => member.address),
    port: nodes[0].port,
    nodes: members,
    // The first node's JVM, for tests that freeze (SIGSTOP) a one-node broker.
    get process() {
      return members[0].process
    },
    dataDir: root,
    logFiles: members.map(member => member.logFile),
    startMs: Date.now() - started,
    // SIGTERM to all at once: a last node left without a quorum can hang in controlled shutdown.
    // A data directory made here goes too, unless `keep` (a failed test run reads its logs).
    stop: async ({ keep = false } = {}) => {
      await Promise.all(members.map(member => member.stop()))
      if (!dataDir && !keep) fs.rmSync(root, { recursive: true, force: true })
    },
  }
}

module.exports = { hasJava, ensureKafka, startKafka }

if (require.main === module) {
  try {
    console.log(ensureKafka())
  } catch (e) {
    console.error(`kafkars: ${e.message}`)
    process.exit(1)
  }
}
