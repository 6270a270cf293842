// Follower fetching (KIP-392) on a three-node Apache Kafka whose nodes sit in racks of their
// own and whose leaders pick replicas by rack: a consumer with a rackId is told by the leader
// to read from the replica in its rack, and fetches from that follower from then on.
const fs = require('node:fs')
const { startBroker } = require('../scripts/broker')
const { hasJava } = require('../scripts/kafka')
const { client, unique, waitFor } = require('./helpers')

const onKafka = process.env.KAFKARS_TEST_BROKER === 'kafka' && hasJava()
const describeOnKafka = onKafka ? describe : describe.skip

const rackOf = id => `rack-${id}`

describeOnKafka('follower fetching on three racks (Apache Kafka with Java only: tansu has no replicas)', () => {
  let cluster
  let kafka
  let topic
  let leader
  let follower
  const address = id => cluster.nodes.find(node => node.id === id).address
  const values = Array.from({ length: 20 }, (_, i) => `m${i}`)

  beforeAll(async () => {
    cluster = await startBroker({
      own: true,
      kind: 'kafka',
      nodes: 3,
      settings: node => ({
        'broker.rack': rackOf(node.id),
        'replica.selector.class': 'org.apache.kafka.common.replica.RackAwareReplicaSelector',
      }),
    })
    const { Kafka, logLevel } = client()
    kafka = new Kafka({ clientId: 'kafkars-tests', brokers: cluster.brokers, logLevel: logLevel.NOTHING })
    topic = unique('racks')
    const admin = kafka.admin()
    await admin.connect()
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 3 }] })
      let partition
      await waitFor(
        async () => {
          const { topics } = await admin.fetchTopicMetadata({ topics: [topic] })
          partition = topics[0].partitions[0]
          return partition.leader >= 0 && partition.isr.length === 3
        },
        { what: `all three replicas of ${topic} in sync` }
      )
      leader = partition.leader
      follower = partition.replicas.find(id => id !== leader)
    } finally {
      await admin.disconnect()
    }
    const producer = kafka.producer()
    await producer.connect()
    await producer.send({ topic, messages: values.map(value => ({ value })) })
    await producer.disconnect()
  }, 180000)

  afterAll(async () => {
    if (!cluster) return
    await cluster.stop()
    fs.rmSync(cluster.dataDir, { recursive: true, force: true })
  })

  /** Consumes the topic with `config`; returns the values and the broker of each Fetch, in order. */
  const consume = async config => {
    const consumer = kafka.consumer({ groupId: unique('racks'), maxWaitTimeInMs: 100, ...config })
    const fetches = []
    const got = []
    consumer.on(consumer.events.REQUEST, ({ payload }) => {
      if (payload.apiName === 'Fetch') fetches.push(payload.broker)
    })
    await consumer.connect()
    await consumer.subscribe({ topics: [topic], fromBeginning: true })
    await consumer.run({ eachMessage: async ({ message }) => void got.push(message.value.toString()) })
    try {
      await waitFor(() => got.length >= values.length, { what: `${values.length} messages on ${topic}` })
    } finally {
      await consumer.disconnect()
    }
    return { got, fetches }
  }

  test('a consumer in a follower’s rack is sent to that follower after its first fetch', async () => {
    const { got, fetches } = await consume({ rackId: rackOf(follower) })
    expect(got).toEqual(values)
    // The leader answers the first Fetch with the preferred read replica and no records.
    expect(fetches[0]).toBe(address(leader))
    expect(fetches.length).toBeGreaterThan(1)
    expect(fetches.slice(1).every(broker => broker === address(follower))).toBe(true)
  })

  test('a consumer without a rackId fetches from the leader only', async () => {
    const { got, fetches } = await consume({})
    expect(got).toEqual(values)
    expect(fetches.length).toBeGreaterThan(0)
    expect(fetches.every(broker => broker === address(leader))).toBe(true)
  })
})
