#!/usr/bin/env node
// `npm run bench`: kafkars against KafkaJS on the same broker in one run, rounds alternating
// between the clients so drift on a noisy machine hits both alike. Reports medians and ratios;
// CPU is the whole process's (for kafkars that includes the engine's threads).
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { startBroker } = require('../scripts/broker')

const CLIENTS = { kafkars: require('..'), kafkajs: require('kafkajs') }
const ROUNDS = Number(process.env.BENCH_ROUNDS || 3)
const BATCH = 1000
const SENDS = Number(process.env.BENCH_SENDS || 20)
const VALUE = Buffer.alloc(100, 'x')

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

const newTopic = async (kafka, partitions = 1) => {
  const topic = unique('bench')
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions }] })
  await admin.disconnect()
  return topic
}

// `send` of 1000 × 100-byte messages, awaited one after another, acks -1.
const produce = async (kafka, client) => {
  const topic = await newTopic(kafka)
  const producer = kafka.producer({ createPartitioner: client.Partitioners.DefaultPartitioner })
  await producer.connect()
  const messages = Array.from({ length: BATCH }, () => ({ value: VALUE }))
  await producer.send({ topic, messages, acks: -1 })
  const m = await measure(async () => {
    for (let i = 0; i < SENDS; i++) await producer.send({ topic, messages, acks: -1 })
  })
  await producer.disconnect()
  return { messages: BATCH * SENDS, ...m }
}

// Single-message sends, 100 in flight at any time: an app awaiting many small sends.
const IN_FLIGHT = 100
const SINGLES = Number(process.env.BENCH_SINGLES || 10000)
const produceConcurrent = async (kafka, client) => {
  const topic = await newTopic(kafka)
  const producer = kafka.producer({ createPartitioner: client.Partitioners.DefaultPartitioner })
  await producer.connect()
  await producer.send({ topic, messages: [{ value: VALUE }] })
  let next = 0
  const worker = async () => {
    while (next++ < SINGLES) await producer.send({ topic, messages: [{ value: VALUE }], acks: -1 })
  }
  const m = await measure(() => Promise.all(Array.from({ length: IN_FLIGHT }, worker)))
  await producer.disconnect()
  return { messages: SINGLES, ...m }
}

// eachMessage over a backlog, timed from the first message to the last (group joining excluded).
const consume = async (kafka, topic, total) => {
  const consumer = kafka.consumer({ groupId: unique('bench-group') })
  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  let seen = 0
  let cpu0
  let t0
  const done = new Promise(resolve => {
    consumer.run({
      eachMessage: async () => {
        if (seen === 0) {
          cpu0 = process.cpuUsage()
          t0 = process.hrtime.bigint()
        }
        if (++seen === total) resolve()
      },
    })
  })
  await done
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9
  const cpu = process.cpuUsage(cpu0)
  await consumer.disconnect()
  return { messages: total - 1, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 }
}

const summarize = runs => {
  const rate = runs.map(r => r.messages / r.seconds)
  const cpuPerMessage = runs.map(r => (r.cpuSeconds / r.messages) * 1e6)
  return { msgsPerSec: Math.round(median(rate)), cpuMicrosPerMsg: +median(cpuPerMessage).toFixed(2) }
}

const main = async () => {
  const broker = await startBroker()
  const logLevel = CLIENTS.kafkajs.logLevel.NOTHING
  const kafkas = Object.fromEntries(
    Object.entries(CLIENTS).map(([name, m]) => [
      name,
      new m.Kafka({ clientId: 'bench', brokers: broker.brokers, logLevel }),
    ])
  )
  try {
    // One backlog for every consume round, written once by kafkars.
    const backlog = await newTopic(kafkas.kafkars)
    const seeder = kafkas.kafkars.producer({ createPartitioner: CLIENTS.kafkars.Partitioners.DefaultPartitioner })
    await seeder.connect()
    const messages = Array.from({ length: BATCH }, () => ({ value: VALUE }))
    for (let i = 0; i < SENDS; i++) await seeder.send({ topic: backlog, messages })
    await seeder.disconnect()

    const runs = {
      produce: { kafkars: [], kafkajs: [] },
      produceConcurrent: { kafkars: [], kafkajs: [] },
      consume: { kafkars: [], kafkajs: [] },
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const name of round % 2 ? ['kafkajs', 'kafkars'] : ['kafkars', 'kafkajs']) {
        runs.produce[name].push(await produce(kafkas[name], CLIENTS[name]))
        runs.produceConcurrent[name].push(await produceConcurrent(kafkas[name], CLIENTS[name]))
        runs.consume[name].push(await consume(kafkas[name], backlog, BATCH * SENDS))
        console.error(`round ${round + 1}/${ROUNDS} ${name} done`)
      }
    }
    const results = { produce: {}, produceConcurrent: {}, consume: {} }
    for (const bench of Object.keys(results)) {
      const rs = summarize(runs[bench].kafkars)
      const js = summarize(runs[bench].kafkajs)
      results[bench] = {
        kafkars: rs,
        kafkajs: js,
        throughputRatio: +(rs.msgsPerSec / js.msgsPerSec).toFixed(2),
        cpuRatio: +(rs.cpuMicrosPerMsg / js.cpuMicrosPerMsg).toFixed(2),
      }
    }
    const report = {
      date: new Date().toISOString(),
      machine: { cpus: os.cpus().length, node: process.version, platform: `${process.platform}-${process.arch}` },
      broker: process.env.KAFKA_BROKERS ? 'KAFKA_BROKERS' : 'tansu 0.6.0 (memory://)',
      workload: {
        messageBytes: VALUE.length,
        produce: `${SENDS} sends of ${BATCH} messages, one after another`,
        produceConcurrent: `${SINGLES} single-message sends, ${IN_FLIGHT} in flight`,
        consume: `eachMessage over ${BATCH * SENDS} messages, first to last`,
        rounds: ROUNDS,
        acks: -1,
      },
      results,
      runs,
    }
    fs.writeFileSync(path.join(__dirname, 'results.json'), JSON.stringify(report, null, 2) + '\n')
    console.log(JSON.stringify(results, null, 2))
  } finally {
    await broker.stop()
  }
}

main().catch(e => {
  console.error(e)
  process.exit(1)
})
