#!/usr/bin/env node
// Memory while a consumer works through a large backlog: the fetch size bounds what a consumer
// holds, so RSS should stay flat however long the backlog is. Each client runs in a process of
// its own (RSS is per process), sampled every 50 ms; results go to bench/memory-<broker kind>.json.
const { execFile } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

// Two backlog sizes: a flat peak across them is what "bounded" means.
const BACKLOGS = (process.env.BENCH_BACKLOGS || '200000,1000000').split(',').map(Number)
const VALUE = Buffer.alloc(100, 'x')

const consumeInChild = async ([name, brokers, topic, count]) => {
  const { Kafka, logLevel } = require(name === 'kafkars' ? '..' : 'kafkajs')
  const kafka = new Kafka({ clientId: 'bench', brokers: brokers.split(','), logLevel: logLevel.NOTHING })
  // tansu 0.6 holds each Fetch for half its max wait even with data at hand: keep it short.
  const consumer = kafka.consumer({ groupId: `memory-${process.pid}`, maxWaitTimeInMs: 10 })
  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  const before = process.memoryUsage().rss
  let peak = before
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50)
  let seen = 0
  const t0 = Date.now()
  await new Promise(resolve =>
    consumer.run({
      eachMessage: async () => {
        if (++seen === Number(count)) resolve()
      },
    })
  )
  const seconds = (Date.now() - t0) / 1000
  clearInterval(sampler)
  peak = Math.max(peak, process.memoryUsage().rss)
  await consumer.disconnect()
  const mib = bytes => +(bytes / 2 ** 20).toFixed(1)
  console.log(JSON.stringify({ rssBeforeMiB: mib(before), rssPeakMiB: mib(peak), seconds }))
}

const child = args =>
  new Promise((resolve, reject) =>
    execFile(process.execPath, [__filename, 'child', ...args], { maxBuffer: 1 << 20 }, (err, stdout, stderr) =>
      err ? reject(new Error(stderr || err.message)) : resolve(JSON.parse(stdout))
    )
  )

const main = async () => {
  const { startBroker, describeBroker } = require('../scripts/broker')
  const { Kafka, logLevel } = require('..')
  const broker = await startBroker()
  try {
    const kafka = new Kafka({ clientId: 'bench', brokers: broker.brokers, logLevel: logLevel.NOTHING })
    const results = {}
    for (const backlog of BACKLOGS) {
      const topic = `memory-${process.pid}-${backlog}`
      const admin = kafka.admin()
      await admin.connect()
      await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] })
      await admin.disconnect()
      const producer = kafka.producer()
      await producer.connect()
      const messages = Array.from({ length: 10000 }, () => ({ value: VALUE }))
      for (let sent = 0; sent < backlog; sent += messages.length) await producer.send({ topic, messages })
      await producer.disconnect()
      for (const name of ['kafkars', 'kafkajs']) {
        const result = await child([name, broker.brokers.join(','), topic, String(backlog)])
        ;(results[name] = results[name] || {})[backlog] = result
        console.error(`${name}, ${backlog} messages: ${JSON.stringify(result)}`)
      }
    }
    const report = {
      date: new Date().toISOString(),
      broker: `${describeBroker(broker)}, loopback`,
      workload: `eachMessage over backlogs of ${BACKLOGS.join(' and ')} × ${VALUE.length}-byte messages, default fetch sizes, maxWaitTimeInMs 10`,
      results,
    }
    fs.writeFileSync(path.join(__dirname, `memory-${broker.kind}.json`), JSON.stringify(report, null, 2) + '\n')
    console.log(JSON.stringify(results, null, 2))
  } finally {
    await broker.stop()
  }
}

const run = process.argv[2] === 'child' ? () => consumeInChild(process.argv.slice(3)) : main
run().catch(e => {
  console.error(e)
  process.exit(1)
})
