#!/usr/bin/env node
// Producing and consuming over TLS: kafkars (rustls) against KafkaJS (Node's OpenSSL) on an
// Apache Kafka SSL listener, rounds alternating the clients, a fresh broker per round; medians
// go to bench/tls-kafka.json. Certificates are made for the run (scripts/certificates.js).
const fs = require('node:fs')
const path = require('node:path')
const { startBroker, describeBroker } = require('../scripts/broker')
const { makeCertificates } = require('../scripts/certificates')

const MODULES = { kafkars: require('..'), kafkajs: require('kafkajs') }
const ROUNDS = Number(process.env.BENCH_ROUNDS || 3)
const BATCH = 1000
const BACKLOG = Number(process.env.BENCH_TLS_BACKLOG || 200000)
const VALUE = Buffer.alloc(100, 'x')

const median = xs => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

const sslListener = certificates => ({
  'listener.security.protocol.map': 'CLIENT:SSL,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT',
  'listener.name.client.ssl.keystore.type': 'PEM',
  'listener.name.client.ssl.keystore.location': certificates.file('broker-keystore.pem'),
})

const round = async (name, certificates) => {
  const broker = await startBroker({ own: true, kind: 'kafka', settings: sslListener(certificates) })
  try {
    const { Kafka, logLevel, Partitioners } = MODULES[name]
    const kafka = new Kafka({
      clientId: 'bench',
      brokers: broker.brokers,
      logLevel: logLevel.NOTHING,
      ssl: { ca: [certificates.read('ca.pem')] },
    })
    const topic = `tls-${process.pid}-${name}`
    const admin = kafka.admin()
    await admin.connect()
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] })
    await admin.disconnect()
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
    await producer.connect()
    const messages = Array.from({ length: BATCH }, () => ({ value: VALUE }))
    const sendAll = async () => {
      for (let sent = 0; sent < BACKLOG; sent += BATCH) await producer.send({ topic, messages, acks: -1 })
    }
    // Untimed first: a fresh broker's JVM (and the client) warm up before the clock starts.
    await sendAll()
    let t0 = process.hrtime.bigint()
    await sendAll()
    const produce = BACKLOG / (Number(process.hrtime.bigint() - t0) / 1e9)
    await producer.disconnect()

    const consumer = kafka.consumer({ groupId: `tls-${process.pid}-${name}`, maxWaitTimeInMs: 10 })
    await consumer.connect()
    await consumer.subscribe({ topics: [topic], fromBeginning: true })
    const total = 2 * BACKLOG
    let seen = 0
    t0 = null
    const seconds = await new Promise(resolve =>
      consumer.run({
        eachMessage: async () => {
          t0 = t0 || process.hrtime.bigint()
          if (++seen === total) resolve(Number(process.hrtime.bigint() - t0) / 1e9)
        },
      })
    )
    await consumer.disconnect()
    return { describe: describeBroker(broker), produce, consume: total / seconds }
  } finally {
    await broker.stop()
  }
}

const main = async () => {
  const certificates = makeCertificates()
  const runs = { kafkars: [], kafkajs: [] }
  let broker
  try {
    for (let r = 0; r < ROUNDS; r++) {
      for (const name of r % 2 ? ['kafkajs', 'kafkars'] : ['kafkars', 'kafkajs']) {
        const result = await round(name, certificates)
        broker = result.describe
        runs[name].push(result)
        console.error(`round ${r + 1}, ${name}: ${Math.round(result.produce)} msg/s produced, ${Math.round(result.consume)} msg/s consumed`)
      }
    }
  } finally {
    certificates.remove()
  }
  const results = Object.fromEntries(
    Object.entries(runs).map(([name, rs]) => [
      name,
      { produce: Math.round(median(rs.map(r => r.produce))), consume: Math.round(median(rs.map(r => r.consume))) },
    ])
  )
  const report = {
    date: new Date().toISOString(),
    broker: `${broker} with an SSL listener, loopback`,
    workload: `send of ${BATCH} × ${VALUE.length}-byte messages awaited in turn (acks -1): ${BACKLOG} untimed, then ${BACKLOG} timed; then eachMessage over all ${2 * BACKLOG} in a new group (maxWaitTimeInMs 10); TLS 1.3 with a CA of the run's own; medians of ${ROUNDS} rounds, clients alternating`,
    results,
    ratios: {
      produce: +(results.kafkars.produce / results.kafkajs.produce).toFixed(2),
      consume: +(results.kafkars.consume / results.kafkajs.consume).toFixed(2),
    },
  }
  fs.writeFileSync(path.join(__dirname, 'tls-kafka.json'), JSON.stringify(report, null, 2) + '\n')
  console.log(JSON.stringify(report, null, 2))
}

main()
  .then(() => process.exit(0))
  .catch(e => {
    console.error(e)
    process.exit(1)
  })
