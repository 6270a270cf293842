#!/usr/bin/env node
// What a client does to data when things go wrong, and to memory when nothing does, kafkars beside
// KafkaJS on the same broker kind; results go to bench/faults-<broker kind>.json.
//
// - restart: 20,000 keyed messages (acks -1) sent 100 a send; halfway the broker is SIGKILLed
//   with a send in flight and started again from its data 3 s later. Every acknowledged message
//   must be there (lost), and how many were written twice is counted (duplicated). A fresh broker
//   a run; the clients alternate.
// - soak: single-message sends at full speed (a window of sends in flight) for a while, in a
//   process of the client's own: how many were acknowledged, how many failed, and RSS throughout.
const { execFile } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const CLIENTS = ['kafkars', 'kafkajs']
const RESTART_RUNS = Number(process.env.BENCH_RESTART_RUNS || 3)
const RESTART_MESSAGES = 20000
const OUTAGE_MS = 3000
const SOAK_SECONDS = Number(process.env.BENCH_SOAK_SECONDS || 120)
const SOAK_WINDOW = 1000

const load = name => require(name === 'kafkars' ? '..' : 'kafkajs')
const newKafka = (name, brokers) => {
  const { Kafka, logLevel } = load(name)
  return new Kafka({ clientId: 'bench', brokers, logLevel: logLevel.NOTHING })
}
const mib = bytes => +(bytes / 2 ** 20).toFixed(1)

/** Reads `topic` whole with KafkaJS, the reference: distinct values and records in all. */
const census = async (brokers, topic) => {
  const kafka = newKafka('kafkajs', brokers)
  const admin = kafka.admin()
  await admin.connect()
  const offsets = await admin.fetchTopicOffsets(topic)
  await admin.disconnect()
  const records = offsets.reduce((sum, { high }) => sum + Number(high), 0)
  const consumer = kafka.consumer({ groupId: `census-${process.pid}-${topic}` })
  const seen = new Set()
  let read = 0
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  await new Promise(resolve =>
    consumer.run({
      eachMessage: async ({ message }) => {
        seen.add(message.value.toString())
        if (++read === records) resolve()
      },
    })
  )
  await consumer.disconnect()
  return { distinct: seen.size, records }
}

const restartRun = async (name, run) => {
  const { startBroker } = require('../scripts/broker')
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafkars-bench-restart-'))
  let broker = await startBroker({ own: true, dataDir })
  const topic = `restart-${name}-${run}`
  try {
    const kafka = newKafka(name, broker.brokers)
    const admin = kafka.admin()
    await admin.connect()
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] })
    await admin.disconnect()
    const producer = kafka.producer()
    await producer.connect()
    let acknowledged = 0
    let failed = 0
    let restarted
    for (let start = 0; start < RESTART_MESSAGES; start += 100) {
      const messages = []
      for (let i = start; i < start + 100; i++) messages.push({ key: `k${i % 100}`, value: `${i}` })
      const sent = producer.send({ topic, acks: -1, messages })
      if (start === RESTART_MESSAGES / 2) {
        const exited = new Promise(resolve => broker.process.once('exit', resolve))
        broker.process.kill('SIGKILL')
        await exited
        restarted = new Promise(resolve => setTimeout(resolve, OUTAGE_MS))
          .then(() => startBroker({ own: true, dataDir, port: broker.port }))
          .then(b => (broker = b))
      }
      await sent.then(
        () => (acknowledged += messages.length),
        () => (failed += messages.length)
      )
    }
    await restarted
    await producer.disconnect()
    const { distinct, records } = await census(broker.brokers, topic)
    return { acknowledged, failed, lost: acknowledged - distinct, duplicated: records - distinct }
  } finally {
    await broker.stop()
    fs.rmSync(dataDir, { recursive: true, force: true })
  }
}

const soakInChild = async ([name, brokers, topic, seconds]) => {
  const producer = newKafka(name, brokers.split(',')).producer()
  await producer.connect()
  const samples = []
  const sampler = setInterval(() => samples.push(process.memoryUsage().rss), 1000)
  const deadline = Date.now() + Number(seconds) * 1000
  let acknowledged = 0
  let errors = 0
  const value = Buffer.alloc(100, 'x')
  const sender = async () => {
    while (Date.now() < deadline) {
      await producer.send({ topic, messages: [{ value }] }).then(
        () => acknowledged++,
        () => errors++
      )
    }
  }
  await Promise.all(Array.from({ length: SOAK_WINDOW }, sender))
  clearInterval(sampler)
  await producer.disconnect()
  console.log(
    JSON.stringify({
      acknowledged,
      errors,
      perSecond: Math.round(acknowledged / Number(seconds)),
      rssMinMiB: mib(Math.min(...samples)),
      rssMaxMiB: mib(Math.max(...samples)),
      rssLastMiB: mib(samples[samples.length - 1]),
    })
  )
}

const child = args =>
  new Promise((resolve, reject) =>
    execFile(process.execPath, [__filename, 'soak', ...args], { maxBuffer: 1 << 20 }, (err, stdout, stderr) =>
      err ? reject(new Error(stderr || err.message)) : resolve(JSON.parse(stdout))
    )
  )

const main = async () => {
  const { brokerKind, startBroker, describeBroker } = require('../scripts/broker')
  const restart = Object.fromEntries(CLIENTS.map(name => [name, []]))
  let described
  for (let run = 1; run <= RESTART_RUNS; run++) {
    for (const name of run % 2 ? CLIENTS : [...CLIENTS].reverse()) {
      const result = await restartRun(name, run)
      restart[name].push(result)
      console.error(`restart, ${name}, run ${run}: ${JSON.stringify(result)}`)
    }
  }
  const soak = {}
  const broker = await startBroker({ own: true })
  try {
    described = describeBroker(broker)
    for (const name of CLIENTS) {
      const topic = `soak-${process.pid}-${name}`
      const admin = newKafka('kafkars', broker.brokers).admin()
      await admin.connect()
      await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] })
      await admin.disconnect()
      soak[name] = await child([name, broker.brokers.join(','), topic, String(SOAK_SECONDS)])
      console.error(`soak, ${name}: ${JSON.stringify(soak[name])}`)
    }
  } finally {
    await broker.stop()
  }
  const report = {
    date: new Date().toISOString(),
    broker: `${described}, loopback`,
    restart: {
      workload: `${RESTART_MESSAGES} keyed messages, acks -1, 100 a send, one partition; the broker SIGKILLed halfway with a send in flight and restarted from its data ${OUTAGE_MS / 1000} s later; default retry; read back with KafkaJS; ${RESTART_RUNS} runs a client, alternating`,
      results: restart,
    },
    soak: {
      workload: `single-message sends of 100 bytes, ${SOAK_WINDOW} in flight, for ${SOAK_SECONDS} s; RSS sampled every second`,
      results: soak,
    },
  }
  fs.writeFileSync(path.join(__dirname, `faults-${brokerKind()}.json`), JSON.stringify(report, null, 2) + '\n')
  console.log(JSON.stringify(report, null, 2))
}

const run = process.argv[2] === 'soak' ? () => soakInChild(process.argv.slice(3)) : main
run()
  .then(() => process.exit(0))
  .catch(e => {
    console.error(e)
    process.exit(1)
  })
