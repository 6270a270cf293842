// Three Kafka nodes, and what happens when one goes: partition leaders spread over the brokers, a
// producer (acks -1) and a consumer group carry on through a leader's SIGKILL and restart without
// losing an acknowledged message, a producer that cached an old leader finds the new one, and a
// dead first seed does not stop a client from bootstrapping. Both clients must pass all of it.
const fs = require('node:fs')
const { startBroker } = require('../scripts/broker')
const { client, clientName, unique, waitFor } = require('./helpers')

// KafkaJS's production retry policy (Jest's NODE_ENV=test would otherwise pick its test one):
// about 9 s of backoff, more than a fenced broker's 3 s session timeout plus the election.
const RETRY = { maxRetryTime: 30000, initialRetryTime: 300, factor: 0.2, multiplier: 2, retries: 5 }

const onKafka = process.env.KAFKARS_TEST_BROKER === 'kafka'
// Tansu is one node: there is no leader to lose.
const describeOnKafka = onKafka ? describe : describe.skip

describeOnKafka('a three-node Kafka cluster (skipped unless KAFKARS_TEST_BROKER=kafka)', () => {
  let cluster
  let admin
  // Every producer and consumer a test makes, disconnected after it even when it failed.
  let opened = []

  const kafka = (config = {}) => {
    const { Kafka, logLevel } = client()
    const k = new Kafka({ clientId: 'kafkars-cluster-tests', brokers: cluster.brokers, logLevel: logLevel.NOTHING, retry: RETRY, ...config })
    return {
      producer: options => opened[opened.push(k.producer(options)) - 1],
      consumer: options => opened[opened.push(k.consumer(options)) - 1],
      admin: () => k.admin(),
    }
  }
  const node = id => cluster.nodes.find(n => n.id === id)
  const partitionsOf = async topic => {
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] })
    return topics[0].partitions.sort((a, b) => a.partitionId - b.partitionId)
  }
  // Every replica in sync (a restarted node caught up, so losing another one still leaves
  // min.insync.replicas). A node that has not heard of a new topic yet answers
  // UNKNOWN_TOPIC_OR_PARTITION, which KafkaJS's `waitForLeaders` (on by default) does not wait
  // out, failing createTopics: asked again here instead.
  const waitForFullIsr = (topic, what) =>
    waitFor(
      async () => {
        try {
          return (await partitionsOf(topic)).every(p => p.leader >= 0 && p.isr.length === 3)
        } catch (e) {
          if (e.type === 'UNKNOWN_TOPIC_OR_PARTITION') return false
          throw e
        }
      },
      { timeout: 30000, interval: 200, what }
    )
  // Each node learns of a new topic from the controller in its own time, and a client may ask any
  // of them (KafkaJS's subscribe fails at once on a node that has not heard of it): asked of each
  // running node here, until all know it.
  const knownToEveryNode = topic =>
    Promise.all(
      cluster.nodes
        .filter(n => n.running)
        .map(async n => {
          const one = kafka({ brokers: [n.address] }).admin()
          await one.connect()
          try {
            await waitFor(
              () =>
                one.fetchTopicMetadata({ topics: [topic] }).then(
                  () => true,
                  e => (e.type === 'UNKNOWN_TOPIC_OR_PARTITION' ? false : Promise.reject(e))
                ),
              { timeout: 30000, interval: 100, what: `node ${n.id} to know ${topic}` }
            )
          } finally {
            await one.disconnect()
          }
        })
    )
  const createTopic = async ({ partitions }) => {
    const topic = unique('cluster')
    await admin.createTopics({
      waitForLeaders: false,
      topics: [{ topic, numPartitions: partitions, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }],
    })
    await waitForFullIsr(topic, `the leaders and replicas of ${topic}`)
    await knownToEveryNode(topic)
    return topic
  }

  beforeAll(async () => {
    cluster = await startBroker({ own: true, nodes: 3 })
    admin = kafka().admin()
    await admin.connect()
  }, 180000)
  afterEach(async () => {
    await Promise.allSettled(opened.map(c => c.disconnect()))
    opened = []
  })
  afterAll(async () => {
    if (admin) await admin.disconnect()
    if (!cluster) return
    await cluster.stop()
    fs.rmSync(cluster.dataDir, { recursive: true, force: true })
  }, 60000)

  test('a topic of replication factor 3 spreads its partition leaders over the brokers, every replica in sync', async () => {
    const topic = await createTopic({ partitions: 6 })
    const partitions = await partitionsOf(topic)

    expect(partitions).toHaveLength(6)
    const ids = cluster.nodes.map(n => n.id)
    for (const p of partitions) {
      expect(ids).toContain(p.leader)
      expect(p.replicas.sort()).toEqual(ids)
      expect(p.isr.sort()).toEqual(ids)
    }
    expect(new Set(partitions.map(p => p.leader)).size).toBeGreaterThan(1)
  })

  test('a producer (acks -1) and a consumer group lose no acknowledged message while a leader is killed and restarted', async () => {
    const topic = await createTopic({ partitions: 3 })
    const k = kafka()
    const producer = k.producer()
    const consumer = k.consumer({ groupId: unique('cluster-group') })
    await producer.connect()
    await consumer.connect()
    await consumer.subscribe({ topics: [topic], fromBeginning: true })

    // value → when it was first consumed; how many were delivered again.
    const consumed = new Map()
    let consumedAgain = 0
    await consumer.run({
      eachMessage: async ({ message }) => {
        const value = message.value.toString()
        if (consumed.has(value)) consumedAgain++
        else consumed.set(value, Date.now())
      },
    })

    // One sender per partition, each awaiting its send before the next: what resolved is
    // acknowledged. The other partitions' data keeps flowing while one has no leader, so the
    // consumer's fetches from the live leaders keep answering.
    // value → when it was acknowledged, and on which partition.
    const acked = new Map()
    const failures = []
    let sent = 0
    let sending = true
    const sender = async partition => {
      while (sending) {
        const value = `m-${sent++}`
        try {
          await producer.send({ topic, acks: -1, messages: [{ value, partition }] })
          acked.set(value, { at: Date.now(), partition })
        } catch (e) {
          failures.push(`${value}: ${e.name}: ${e.message}`)
        }
        // Paced, so the three JVMs keep most of the two cores.
        await new Promise(resolve => setTimeout(resolve, 5))
      }
    }
    const senders = [0, 1, 2].map(sender)
    // The messages of the partition whose leader is killed acknowledged after `since`, and how many were consumed.
    let leaderless
    const ackedSince = since => [...acked].filter(([, a]) => a.partition === leaderless && a.at > since).map(([v]) => v)
    const consumedOf = values => values.filter(v => consumed.has(v)).length
    let victim
    let killedAt
    let restartedAt
    try {
      // The victim leads a partition but is not the group's coordinator (the leader of the one
      // partition of __consumer_offsets), so the consumer stays in its group and only its fetches
      // meet the dead broker.
      await waitFor(() => consumed.size >= 20, { timeout: 30000, what: 'the group consuming' })
      const [{ leader: coordinator }] = await partitionsOf('__consumer_offsets')
      const led = (await partitionsOf(topic)).find(p => p.leader !== coordinator)
      if (!led) throw new Error(`every partition of ${topic} is led by the coordinator, node ${coordinator}`)
      leaderless = led.partitionId
      victim = node(led.leader)
      await waitFor(() => consumedOf(ackedSince(0)) >= 20, { timeout: 30000, what: `messages consumed from partition ${leaderless} before the kill` })

      await victim.kill()
      // Counted from the JVM's exit: an answer written just before it is not a recovery.
      killedAt = Date.now()
      await waitFor(() => consumedOf(ackedSince(killedAt)) >= 20, {
        timeout: 40000,
        what: `sends acknowledged and consumed on partition ${leaderless} after node ${victim.id} was killed`,
      })

      await victim.start()
      restartedAt = Date.now()
      await waitForFullIsr(topic, `node ${victim.id} back in the ISR of ${topic}`)
      await waitFor(() => ackedSince(restartedAt).length >= 20, { timeout: 30000, what: 'sends acknowledged after the restart' })
    } finally {
      sending = false
      await Promise.all(senders)
    }
    await waitFor(() => [...acked.keys()].every(v => consumed.has(v)), {
      timeout: 30000,
      what: 'the group to consume every acknowledged message',
    })
    await consumer.disconnect()
    await producer.disconnect()

    // What the log holds, read again from the beginning by a consumer of a new group.
    const high = (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high), 0)
    const stored = new Map()
    let storedCount = 0
    const reader = kafka().consumer({ groupId: unique('cluster-reader') })
    await reader.connect()
    await reader.subscribe({ topics: [topic], fromBeginning: true })
    await reader.run({
      eachMessage: async ({ message }) => {
        const value = message.value.toString()
        stored.set(value, (stored.get(value) || 0) + 1)
        storedCount++
      },
    })
    try {
      await waitFor(() => storedCount >= high, { timeout: 30000, what: `${high} stored messages read back` })
    } finally {
      await reader.disconnect()
    }

    const missing = [...acked.keys()].filter(v => !stored.has(v))
    const storedTwice = [...stored.values()].filter(n => n > 1).length
    const afterKill = ackedSince(killedAt)
    const firstAck = Math.min(...afterKill.map(v => acked.get(v).at))
    const firstConsumed = Math.min(...afterKill.map(v => consumed.get(v)))
    console.log(
      `${clientName}: node ${victim.id} (leader of partition ${leaderless}) killed; ` +
        `first acknowledged send on partition ${leaderless} ${firstAck - killedAt} ms after the kill, first consumed message ${firstConsumed - killedAt} ms after; ` +
        `sends ${sent}, acknowledged ${acked.size}, failed ${failures.length}, stored ${storedCount} (${stored.size} distinct, ${storedTwice} twice), ` +
        `consumed ${consumed.size} distinct (${consumedAgain} again), lost ${missing.length}`
    )
    expect(failures).toEqual([])
    expect(missing).toEqual([])
    expect(stored.size).toBe(acked.size)
    // A message is stored twice only when a retry resent what the dead leader had written without
    // answering: at most the send each sender had in flight when it died.
    expect(storedCount - stored.size).toBeLessThanOrEqual(senders.length)
  }, 150000)

  test('a producer that cached the old leader sends to the new one: NOT_LEADER_OR_FOLLOWER refreshes its metadata', async () => {
    const topic = await createTopic({ partitions: 1 })
    const producer = kafka().producer()
    const produceTo = []
    producer.on(producer.events.REQUEST, ({ payload }) => payload.apiName === 'Produce' && produceTo.push(payload.broker))
    await producer.connect()
    await producer.send({ topic, messages: [{ value: 'before' }] })
    const [{ leader: old }] = await partitionsOf(topic)

    // A controlled shutdown moves the leadership away; back up, the old leader is a follower, which
    // is where the producer's cached metadata (300 s old at most) still sends.
    await node(old).stop()
    await waitFor(async () => (await partitionsOf(topic))[0].leader !== old, { timeout: 30000, what: 'a new leader' })
    await node(old).start()
    const [{ leader: now }] = await partitionsOf(topic)
    produceTo.length = 0

    const [result] = await producer.send({ topic, messages: [{ value: 'after' }] })
    await producer.disconnect()
    expect(result).toMatchObject({ topicName: topic, partition: 0, errorCode: 0, baseOffset: '1' })
    expect(now).not.toBe(old)
    expect(produceTo[0]).toBe(node(old).address)
    expect(produceTo[produceTo.length - 1]).toBe(node(now).address)
  }, 90000)

  test('a producer and a consumer whose first seed broker is down bootstrap from the others', async () => {
    const topic = await createTopic({ partitions: 1 })
    const dead = cluster.nodes[0]
    await dead.kill()
    // Until the controller fences it (3 s), the dead node can still lead in the metadata, and a
    // new KafkaJS client then fails for good on its refused connection (connectBroker bails):
    // this test is about the seed list alone, so it starts once the leaders have moved.
    const ledByDead = async () =>
      (await Promise.all([topic, '__consumer_offsets'].map(partitionsOf))).flat().some(p => p.leader === dead.id)
    await waitFor(async () => !(await ledByDead()), { timeout: 30000, interval: 200, what: `leaders away from node ${dead.id}` })
    const brokers = [dead.address, ...cluster.nodes.filter(n => n !== dead).map(n => n.address)]

    const producer = kafka({ brokers }).producer()
    await producer.connect()
    const [result] = await producer.send({ topic, messages: [{ value: 'bootstrapped' }] })
    await producer.disconnect()
    expect(result).toMatchObject({ topicName: topic, partition: 0, errorCode: 0 })

    const consumer = kafka({ brokers }).consumer({ groupId: unique('cluster-seed') })
    const values = []
    await consumer.connect()
    await consumer.subscribe({ topics: [topic], fromBeginning: true })
    await consumer.run({ eachMessage: async ({ message }) => void values.push(message.value.toString()) })
    try {
      await waitFor(() => values.length > 0, { timeout: 30000, what: `the message on ${topic}` })
    } finally {
      await consumer.disconnect()
    }
    expect(values).toEqual(['bootstrapped'])
  }, 90000)
})
