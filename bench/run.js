#!/usr/bin/env node
// `npm run bench`: kafkars against KafkaJS (and librdkafka through Python's confluent-kafka when
// installed) on the same broker in one run, rounds alternating the order of the clients so drift
// on a noisy machine hits all alike. Reports medians and ratios; CPU is the whole process's
// (for kafkars that includes the engine's threads, for librdkafka its threads).
const { execFile, execFileSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { startBroker, describeBroker } = require('../scripts/broker')
const { librdkafkaPython } = require('../scripts/librdkafka')
const { writeChart } = require('./chart')

const MODULES = { kafkars: require('..'), kafkajs: require('kafkajs') }
// BENCH_BASELINE=<another kafkars checkout, built> runs it as a client of its own, `baseline`,
// alternating with the others: a before/after check of a change on one machine in one run. Its
// report goes to bench/baseline-<kind>.json, leaving the published results alone.
const BASELINE = process.env.BENCH_BASELINE && path.resolve(process.env.BENCH_BASELINE)
if (BASELINE) MODULES.baseline = require(BASELINE)
const ROUNDS = Number(process.env.BENCH_ROUNDS || 3)
const BATCH = 1000
const SENDS = Number(process.env.BENCH_SENDS || 20)
const IN_FLIGHT = 100
const SINGLES = Number(process.env.BENCH_SINGLES || 50000)
const SINGLES_WARMUP = 5000
// A producing round repeats its unit of work until at least this long has passed: at a
// million messages a second one unit takes a few hundredths of a second, and a scheduling blip
// on these machines would then decide the figure.
const MIN_SECONDS = Number(process.env.BENCH_MIN_SECONDS || 2)
// tansu 0.6 holds every Fetch for half its max wait, even when it has data to return, so the
// consumers wait briefly: otherwise the broker, not the client, sets the pace.
const FETCH_WAIT = 10
// The consumers' backlog, in sends of BATCH: large enough that fetching dominates joining, and
// that kafkars' rounds last long enough (half a second) for a blip not to decide them.
const BACKLOG_SENDS = Number(process.env.BENCH_BACKLOG_SENDS || 1000)
const VALUE = Buffer.alloc(100, 'x')
const PY_BENCH = path.join(__dirname, 'librdkafka_bench.py')
const PYTHON = librdkafkaPython()

const gitHead = dir => execFileSync('git', ['-C', dir, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf-8' }).trim()

const median = xs => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const unique = p => `${p}-${process.pid}-${Math.random().toString(36).slice(2, 10)}`

const measure = async fn => {
  const cpu0 = process.cpuUsage()
  const t0 = process.hrtime.bigint()
  await fn()
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9
  const cpu = process.cpuUsage(cpu0)
  return { seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 }
}

// Runs `unit` (which resolves to the number of messages it handled) again and again until
// MIN_SECONDS have passed, and measures the whole.
const measureFor = async unit => {
  let messages = 0
  const m = await measure(async () => {
    const t0 = process.hrtime.bigint()
    do messages += await unit()
    while (Number(process.hrtime.bigint() - t0) / 1e9 < MIN_SECONDS)
  })
  return { messages, ...m }
}

const newTopic = async kafka => {
  const topic = unique('bench')
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] })
  await admin.disconnect()
  return topic
}

// The JavaScript clients, KafkaJS's API for both.
const jsClient = name => ({
  // `send` of 1000 × 100-byte messages, awaited one after another, acks -1.
  async produce({ kafka }) {
    const topic = await newTopic(kafka)
    const producer = kafka.producer({ createPartitioner: MODULES[name].Partitioners.DefaultPartitioner })
    await producer.connect()
    const messages = Array.from({ length: BATCH }, () => ({ value: VALUE }))
    await producer.send({ topic, messages, acks: -1 })
    const m = await measureFor(async () => {
      for (let i = 0; i < SENDS; i++) await producer.send({ topic, messages, acks: -1 })
      return BATCH * SENDS
    })
    await producer.disconnect()
    return m
  },
  // Single-message sends, 100 in flight at any time: an app awaiting many small sends.
  async produceConcurrent({ kafka }) {
    const topic = await newTopic(kafka)
    const producer = kafka.producer({ createPartitioner: MODULES[name].Partitioners.DefaultPartitioner })
    await producer.connect()
    const singles = async count => {
      let next = 0
      const worker = async () => {
        while (next++ < count) await producer.send({ topic, messages: [{ value: VALUE }], acks: -1 })
      }
      await Promise.all(Array.from({ length: IN_FLIGHT }, worker))
    }
    // Untimed warm-up, the same for every client: the JIT has compiled the send path before
    // the clock starts, so the figure is the steady state, not how fast code gets hot.
    await singles(SINGLES_WARMUP)
    const m = await measureFor(async () => {
      await singles(SINGLES)
      return SINGLES
    })
    await producer.disconnect()
    return m
  },
  // eachMessage over the backlog, timed from the first message to the last (joining excluded).
  consume: context =>
    consumeBacklog(context, ({ start, done }) => ({
      eachMessage: async ({ message }) => {
        start()
        done(message.value.length > 0 ? 1 : 0)
      },
    })),
  // eachBatch over the backlog, reading every message's value, timed as `consume`.
  consumeBatch: context =>
    consumeBacklog(context, ({ start, done }) => ({
      eachBatch: async ({ batch }) => {
        start()
        let count = 0
        for (const message of batch.messages) if (message.value.length > 0) count++
        done(count)
      },
    })),
})

// Runs a new group over the backlog. The clock starts when the handler is first called, so
// joining the group is excluded; the handler counts messages with `done(count)`.
const consumeBacklog = async ({ kafka, backlog, total }, handlers) => {
  const consumer = kafka.consumer({ groupId: unique('bench-group'), maxWaitTimeInMs: FETCH_WAIT })
  await consumer.connect()
  await consumer.subscribe({ topics: [backlog], fromBeginning: true })
  let seen = 0
  let cpu0
  let t0
  await new Promise(resolve => {
    const start = () => {
      if (t0 !== undefined) return
      cpu0 = process.cpuUsage()
      t0 = process.hrtime.bigint()
    }
    const done = count => {
      seen += count
      if (seen >= total) resolve()
    }
    consumer.run(handlers({ start, done }))
  })
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9
  const cpu = process.cpuUsage(cpu0)
  await consumer.disconnect()
  return { messages: total, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 }
}

const python = args =>
  new Promise((resolve, reject) =>
    execFile(PYTHON, [PY_BENCH, ...args], (err, stdout, stderr) =>
      err ? reject(new Error(stderr || err.message)) : resolve(JSON.parse(stdout))
    )
  )

// librdkafka has no awaited single-message send, so it sits out produceConcurrent; its
// consumer hands out messages one by one, so it sits out consumeBatch.
const librdkafka = {
  async produce({ kafka, brokers }) {
    const topic = await newTopic(kafka)
    const args = ['--batch', BATCH, '--sends', SENDS, '--min-seconds', MIN_SECONDS]
    return python(['produce', '--brokers', brokers, '--topic', topic, ...args].map(String))
  },
  consume: ({ brokers, backlog, total }) =>
    python(['consume', '--brokers', brokers, '--topic', backlog, '--count', String(total)]),
}

const summarize = runs => {
  const rate = runs.map(r => r.messages / r.seconds)
  const cpuPerMessage = runs.map(r => (r.cpuSeconds / r.messages) * 1e6)
  return { msgsPerSec: Math.round(median(rate)), cpuMicrosPerMsg: +median(cpuPerMessage).toFixed(2) }
}

// A broker for one client's round, with the consumers' backlog written when `seed`. A broker
// the bench starts (Apache Kafka or tansu, as KAFKARS_TEST_BROKER picks) is started afresh each
// time: tansu 0.6 slows once a client has loaded it (kafkars' single sends measured ~15% slower
// on a broker KafkaJS had just used than on a fresh one), which would make each client's figure
// depend on who ran before it. KAFKA_BROKERS is used as it is.
let brokerUsed
const withBroker = async (seed, fn) => {
  const broker = await startBroker()
  brokerUsed = brokerUsed || broker
  try {
    if (!seed) return await fn({ brokers: broker.brokers })
    const kafka = new MODULES.kafkars.Kafka({ clientId: 'bench', brokers: broker.brokers, logLevel: 0 })
    const backlog = await newTopic(kafka)
    const seeder = kafka.producer({ createPartitioner: MODULES.kafkars.Partitioners.DefaultPartitioner })
    await seeder.connect()
    const messages = Array.from({ length: BATCH }, () => ({ value: VALUE }))
    for (let i = 0; i < BACKLOG_SENDS; i++) await seeder.send({ topic: backlog, messages })
    await seeder.disconnect()
    return await fn({ brokers: broker.brokers, backlog })
  } finally {
    await broker.stop()
  }
}

const main = async () => {
  const logLevel = MODULES.kafkajs.logLevel.NOTHING
  const clients = { kafkars: jsClient('kafkars'), kafkajs: jsClient('kafkajs') }
  if (BASELINE) clients.baseline = jsClient('baseline')
  else if (PYTHON) clients.librdkafka = librdkafka
  // librdkafka's runs use kafkars for their topics.
  const moduleOf = name => MODULES[name] || MODULES.kafkars
  const total = BATCH * BACKLOG_SENDS
  // BENCH_WORKLOADS=consume,consumeBatch runs a subset while iterating.
  const workloads = ['produce', 'produceConcurrent', 'consume', 'consumeBatch'].filter(
    w => !process.env.BENCH_WORKLOADS || process.env.BENCH_WORKLOADS.split(',').includes(w)
  )
  const seed = workloads.some(w => w.startsWith('consume'))
  const runs = Object.fromEntries(workloads.map(w => [w, {}]))
  const names = Object.keys(clients)
  for (let round = 0; round < ROUNDS; round++) {
    const order = names.map((_, i) => names[(i + round) % names.length])
    for (const name of order) {
      if (!workloads.some(w => clients[name][w])) continue
      await withBroker(seed, async ({ brokers, backlog }) => {
        const kafka = new (moduleOf(name).Kafka)({ clientId: 'bench', brokers, logLevel })
        for (const workload of workloads) {
          if (!clients[name][workload]) continue
          const context = { kafka, brokers: brokers.join(','), backlog, total }
          ;(runs[workload][name] = runs[workload][name] || []).push(await clients[name][workload](context))
        }
      })
      console.error(`round ${round + 1}/${ROUNDS}: ${name} done`)
    }
  }

  const results = {}
  for (const workload of workloads) {
    const summary = Object.fromEntries(Object.entries(runs[workload]).map(([n, r]) => [n, summarize(r)]))
    const ratio = (other, key) => +(summary.kafkars[key] / summary[other][key]).toFixed(2)
    results[workload] = {
      ...summary,
      vsKafkajs: { throughput: ratio('kafkajs', 'msgsPerSec'), cpu: ratio('kafkajs', 'cpuMicrosPerMsg') },
      ...(summary.librdkafka && {
        vsLibrdkafka: { throughput: ratio('librdkafka', 'msgsPerSec'), cpu: ratio('librdkafka', 'cpuMicrosPerMsg') },
      }),
      ...(summary.baseline && {
        vsBaseline: { throughput: ratio('baseline', 'msgsPerSec'), cpu: ratio('baseline', 'cpuMicrosPerMsg') },
      }),
    }
  }
  const report = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, node: process.version, platform: `${process.platform}-${process.arch}` },
    broker: `${describeBroker(brokerUsed)}, loopback`,
    ...(BASELINE && { baseline: { path: BASELINE, commit: gitHead(BASELINE), kafkars: gitHead(path.join(__dirname, '..')) } }),
    workload: {
      messageBytes: VALUE.length,
      acks: -1,
      rounds: ROUNDS,
      produce: `${SENDS} sends of ${BATCH} messages, one after another, repeated for at least ${MIN_SECONDS} s`,
      produceConcurrent: `${SINGLES} single-message sends, ${IN_FLIGHT} in flight, repeated for at least ${MIN_SECONDS} s`,
      consume: `eachMessage over ${total} messages, first to last`,
      consumeBatch: `eachBatch over ${total} messages, first batch to last`,
    },
    results,
    runs,
  }
  // One file per kind of broker, so that runs on Apache Kafka and on tansu stand side by side.
  const file = path.join(__dirname, `${BASELINE ? 'baseline' : 'results'}-${brokerUsed.kind}`)
  fs.writeFileSync(`${file}.json`, JSON.stringify(report, null, 2) + '\n')
  if (!BASELINE) writeChart(report, `${file}.svg`)
  console.log(JSON.stringify(results, null, 2))
}

main().catch(e => {
  console.error(e)
  process.exit(1)
})
