// Custom partition assigners written against AssignerProtocol, as KafkaJS runs them: the leader
// calls `assign` with every member's metadata and `cluster.findTopicPartitionMetadata`, and a
// member handed a topic it does not subscribe to reports RECEIVED_UNSUBSCRIBED_TOPICS.
const { client, newKafka, createTopic, unique, waitFor } = require('./helpers')

test('a custom assigner decides the assignment; unsubscribed topics are reported and ignored', async () => {
  const { AssignerProtocol, PartitionAssigners } = client()
  const topic = await createTopic({ partitions: 3 })
  const other = await createTopic()
  const producer = newKafka().producer()
  await producer.connect()
  const send = messages => producer.send({ topic, messages })
  await producer.sendBatch({
    topicMessages: [
      { topic, messages: [0, 1, 2].map(partition => ({ partition, value: `p${partition}` })) },
      { topic: other, messages: [{ value: 'other' }] },
    ],
  })

  const calls = []
  // Even partitions of the subscribed topic, plus a topic nobody subscribed to.
  const evenPartitions = ({ cluster }) => ({
    name: 'EvenPartitions',
    version: 1,
    async assign({ members, topics }) {
      const partitions = cluster.findTopicPartitionMetadata(topic).map(p => p.partitionId)
      calls.push({
        topics,
        partitions,
        metadata: members.map(m => AssignerProtocol.MemberMetadata.decode(m.memberMetadata)),
      })
      return members.map(({ memberId }) => ({
        memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({
          version: this.version,
          assignment: { [topic]: partitions.filter(p => p % 2 === 0), [other]: [0] },
          userData: Buffer.from('hi'),
        }),
      }))
    },
    protocol({ topics }) {
      return {
        name: this.name,
        metadata: AssignerProtocol.MemberMetadata.encode({ version: this.version, topics }),
      }
    },
  })

  const consumer = newKafka().consumer({
    groupId: unique('assigner'),
    partitionAssigners: [evenPartitions, PartitionAssigners.roundRobin],
  })
  const got = []
  const seen = {}
  consumer.on(consumer.events.GROUP_JOIN, e => (seen.join = e.payload))
  consumer.on(consumer.events.RECEIVED_UNSUBSCRIBED_TOPICS, e => (seen.unsubscribed = e.payload))
  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  await consumer.run({ eachMessage: async ({ partition, message }) => void got.push([partition, message.value.toString()]) })
  try {
    await waitFor(() => got.length >= 2, { what: 'the even partitions' })
    // Partition 1 and the other topic, had they been consumed, came in the first fetch: a message
    // sent only now comes in a later one, handled after everything the first one brought.
    await send([{ partition: 0, value: 'after' }])
    await waitFor(() => got.some(([, value]) => value === 'after'), { what: 'the message sent after' })
  } finally {
    await consumer.disconnect()
    await producer.disconnect()
  }
  expect(calls).toEqual([
    {
      topics: [topic],
      partitions: [0, 1, 2],
      metadata: [{ version: 1, topics: [topic], userData: Buffer.alloc(0) }],
    },
  ])
  expect(got.sort()).toEqual([
    [0, 'after'],
    [0, 'p0'],
    [2, 'p2'],
  ])
  expect(seen.join).toMatchObject({ groupProtocol: 'EvenPartitions', isLeader: true })
  expect(seen.unsubscribed).toEqual({
    groupId: seen.join.groupId,
    generationId: expect.any(Number),
    memberId: seen.join.memberId,
    assignedTopics: [topic, other],
    topicsSubscribed: [topic],
    topicsNotSubscribed: [other],
  })
})

test('PartitionAssigners.roundRobin is KafkaJS assigner, usable on its own', async () => {
  const { PartitionAssigners, AssignerProtocol } = client()
  const topic = 'deal-me'
  const partitions = [0, 1, 2].map(partitionId => ({ partitionId }))
  const cluster = { findTopicPartitionMetadata: t => (t === topic ? partitions : []) }
  const assigner = PartitionAssigners.roundRobin({ cluster, groupId: 'g', logger: null })
  expect(assigner.name).toBe('RoundRobinAssigner')
  const members = ['b', 'a'].map(memberId => ({ memberId, memberMetadata: Buffer.alloc(0) }))
  const assignment = await assigner.assign({ members, topics: [topic] })
  const decoded = assignment.map(({ memberId, memberAssignment }) => [
    memberId,
    AssignerProtocol.MemberAssignment.decode(memberAssignment).assignment,
  ])
  expect(decoded).toEqual([
    ['a', { [topic]: [0, 2] }],
    ['b', { [topic]: [1] }],
  ])
  const { metadata } = assigner.protocol({ topics: [topic] })
  expect(AssignerProtocol.MemberMetadata.decode(metadata)).toEqual({
    version: 0,
    topics: [topic],
    userData: Buffer.alloc(0),
  })
})
