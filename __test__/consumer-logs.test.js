// What a consumer logs at INFO through the user's logCreator, as KafkaJS logs it: the same
// namespaces, levels, messages and fields for starting, joining the group, pausing, resuming and
// stopping.
const { newKafka, createTopic, unique, waitFor, client } = require('./helpers')

test('a consumer logs starting, joining, pausing, resuming and stopping as KafkaJS does', async () => {
  const { logLevel } = client()
  const entries = []
  const logCreator = () => ({ namespace, label, log }) => {
    if (namespace === 'Consumer' || namespace === 'ConsumerGroup') entries.push({ namespace, label, log })
  }
  const topic = await createTopic()
  const groupId = unique('logs')
  const consumer = newKafka({ logLevel: logLevel.INFO, logCreator }).consumer({ groupId })
  let joined = false
  consumer.on(consumer.events.GROUP_JOIN, () => (joined = true))
  await consumer.connect()
  await consumer.subscribe({ topics: [topic] })
  await consumer.run({ eachMessage: async () => {} })
  await waitFor(() => joined, { what: 'the group join' })
  consumer.pause([{ topic }])
  consumer.resume([{ topic, partitions: [0] }])
  await consumer.disconnect()

  expect(entries.map(({ namespace, label, log }) => [namespace, label, log.message])).toEqual([
    ['Consumer', 'INFO', 'Starting'],
    ['ConsumerGroup', 'INFO', 'Consumer has joined the group'],
    ['ConsumerGroup', 'INFO', 'Pausing fetching from 1 topics'],
    ['ConsumerGroup', 'INFO', 'Resuming fetching from 1 topics'],
    ['Consumer', 'INFO', 'Stopped'],
  ])
  const [starting, join, pausing, resuming, stopped] = entries.map(({ log }) => log)
  expect(starting).toMatchObject({ groupId, logger: 'kafkajs' })
  expect(join).toMatchObject({
    groupId,
    memberId: expect.any(String),
    leaderId: join.memberId,
    isLeader: true,
    memberAssignment: { [topic]: [0] },
    groupProtocol: 'RoundRobinAssigner',
    duration: expect.any(Number),
  })
  expect(pausing.topicPartitions).toEqual([{ topic }])
  expect(resuming.topicPartitions).toEqual([{ topic, partitions: [0] }])
  expect(stopped).toMatchObject({ groupId })
})
