// Partition reassignments on a private three-node Kafka: alterPartitionReassignments moves a
// partition's replicas, listPartitionReassignments shows the move while a replication throttle
// holds it under way, and a move to a broker that does not exist fails as KafkaJS reports it.
const fs = require('node:fs')
const { startBroker } = require('../scripts/broker')
const { client, unique, waitFor } = require('./helpers')

const onKafka = process.env.KAFKARS_TEST_BROKER === 'kafka'
// tansu is one node: there is nowhere to move a replica.
const describeOnKafka = onKafka ? describe : describe.skip

describeOnKafka('admin partition reassignments on three nodes (skipped unless KAFKARS_TEST_BROKER=kafka)', () => {
  let cluster, kafka, admin

  beforeAll(async () => {
    cluster = await startBroker({ own: true, nodes: 3 })
    const { Kafka, logLevel } = client()
    kafka = new Kafka({ clientId: 'kafkars-reassignment-tests', brokers: cluster.brokers, logLevel: logLevel.NOTHING })
    admin = kafka.admin()
    await admin.connect()
  }, 180000)
  afterAll(async () => {
    if (admin) await admin.disconnect()
    if (!cluster) return
    await cluster.stop()
    fs.rmSync(cluster.dataDir, { recursive: true, force: true })
  }, 60000)

  const replicasOf = async topic => {
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] })
    return topics[0].partitions[0].replicas.slice().sort()
  }

  const createTopic = async (replicas, configEntries = []) => {
    const topic = unique('moving')
    await admin.createTopics({ topics: [{ topic, replicaAssignment: [{ partition: 0, replicas }], configEntries }] })
    return topic
  }

  // Replication between every pair of brokers at 1 byte/s, or (null) unthrottled again.
  const throttle = async rate => {
    const { ConfigResourceTypes } = client()
    const configEntries = rate
      ? [
          { name: 'leader.replication.throttled.rate', value: String(rate) },
          { name: 'follower.replication.throttled.rate', value: String(rate) },
        ]
      : []
    await admin.alterConfigs({
      resources: cluster.nodes.map(n => ({ type: ConfigResourceTypes.BROKER, name: String(n.id), configEntries })),
    })
    // Each broker applies the change from the metadata log in its own time; asked of each here.
    await waitFor(
      async () => {
        const { resources } = await admin.describeConfigs({
          resources: cluster.nodes.map(n => ({
            type: ConfigResourceTypes.BROKER,
            name: String(n.id),
            configNames: ['leader.replication.throttled.rate'],
          })),
        })
        // An unset rate is not listed at all.
        const throttled = r => r.configEntries.some(e => e.configValue === '1')
        return resources.every(r => throttled(r) === Boolean(rate))
      },
      { what: `every broker's replication throttle to be ${rate || 'gone'}` }
    )
  }

  test('alterPartitionReassignments moves the replicas; listPartitionReassignments lists the move under way', async () => {
    const topic = await createTopic(
      [1, 2],
      ['leader', 'follower'].map(side => ({ name: `${side}.replication.throttled.replicas`, value: '*' }))
    )
    const producer = kafka.producer()
    await producer.connect()
    await producer.send({ topic, messages: Array.from({ length: 50 }, () => ({ value: 'x'.repeat(1024) })) })
    await producer.disconnect()
    await throttle(1)
    try {
      const moved = await admin.alterPartitionReassignments({
        topics: [{ topic, partitionAssignment: [{ partition: 0, replicas: [2, 3] }] }],
      })
      expect(moved).toBeUndefined()

      const listed = await admin.listPartitionReassignments({ topics: [{ topic, partitions: [0] }] })
      // KafkaJS 2.2.4 names the topic `name` in this answer, whatever its types say.
      expect(listed).toEqual({
        topics: [{ name: topic, partitions: [{ partition: 0, replicas: expect.any(Array), addingReplicas: [3], removingReplicas: [1] }] }],
      })
      expect(listed.topics[0].partitions[0].replicas.slice().sort()).toEqual([1, 2, 3])
      const all = await admin.listPartitionReassignments({})
      expect(all.topics.map(t => t.name)).toContain(topic)
    } finally {
      await throttle(null)
    }
    await waitFor(async () => (await replicasOf(topic)).join() === '2,3', { what: `${topic} to move to 2 and 3` })
    expect(await admin.listPartitionReassignments({ topics: [{ topic, partitions: [0] }] })).toEqual({ topics: [] })
  })

  test('a move to a broker that does not exist fails with KafkaJSAlterPartitionReassignmentsError per partition', async () => {
    const { KafkaJSAggregateError, KafkaJSAlterPartitionReassignmentsError } = client()
    const topic = await createTopic([1])
    const error = await admin
      .alterPartitionReassignments({ topics: [{ topic, partitionAssignment: [{ partition: 0, replicas: [9] }] }] })
      .catch(e => e)
    expect(error).toBeInstanceOf(KafkaJSAggregateError)
    expect(error.message).toBe('Errors altering partition reassignments')
    expect(error.errors).toHaveLength(1)
    expect(error.errors[0]).toBeInstanceOf(KafkaJSAlterPartitionReassignmentsError)
    expect(error.errors[0]).toMatchObject({ topic, partition: 0, type: 'INVALID_REPLICA_ASSIGNMENT', retriable: false })
  })

  test('the reassignment calls check their arguments before any request', async () => {
    await expect(
      admin.alterPartitionReassignments({ topics: [{ topic: 't', partitionAssignment: [{ partition: 0, replicas: [-1] }] }] })
    ).rejects.toThrow('Invalid replica assignment: -1 for topic: t on partition: 0. Replicas must be a non negative number')
    await expect(admin.listPartitionReassignments({ topics: [{ topic: 't', partitions: 'x' }] })).rejects.toThrow(
      'Invalid partition array: x for topic: t'
    )
  })
})
