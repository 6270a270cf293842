// What a consumer logs at INFO through the user's logCreator, as KafkaJS logs it: the same
// namespaces, levels, messages and fields for starting, joining the group, pausing, resuming and
// stopping.
const { newKafka, createTopic, unique, waitFor, runUntilJoined, client } = require('./helpers')

test('a consumer logs starting, joining, pausing, resuming and stopping as KafkaJS does', async () => {
  const { logLevel } = client()
  const entries = []
  const logCreator = () => ({ namespace, label, log }) => {
    if (namespace === 'Consumer' || namespace === 'ConsumerGroup') entries.push({ namespace, label, log })
  }
  const topic = await createTopic()
  const groupId = unique('logs')
  const consumer = newKafka({ logLevel: logLevel.INFO, logCreator }).consumer({ groupId })
  await runUntilJoined(consumer, topic)
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

test('a member that must rejoin logs the rebalance as KafkaJS does', async () => {
  const { logLevel } = client()
  const warnings = []
  const logCreator = () => ({ namespace, label, log }) => {
    if (namespace === 'Runner') warnings.push({ label, log })
  }
  const topic = await createTopic({ partitions: 2 })
  const groupId = unique('logs-rebalance')
  const first = newKafka({ logLevel: logLevel.WARN, logCreator }).consumer({ groupId, heartbeatInterval: 100 })
  const second = newKafka().consumer({ groupId })
  const joins = { first: 0, second: 0 }
  first.on(first.events.GROUP_JOIN, () => joins.first++)
  second.on(second.events.GROUP_JOIN, () => joins.second++)
  try {
    await first.connect()
    await first.subscribe({ topics: [topic] })
    await first.run({ eachMessage: async () => {} })
    await waitFor(() => joins.first === 1, { what: 'the first member joined' })
    await second.connect()
    await second.subscribe({ topics: [topic] })
    await second.run({ eachMessage: async () => {} })
    await waitFor(() => joins.first === 2 && joins.second === 1, { what: 'both members in one generation' })
  } finally {
    await Promise.all([first.disconnect(), second.disconnect()])
  }
  const rebalancing = warnings.filter(({ log }) => log.message === 'The group is rebalancing, re-joining')
  expect(rebalancing.length).toBeGreaterThanOrEqual(1)
  expect(rebalancing[0]).toMatchObject({
    label: 'WARN',
    log: { groupId, memberId: expect.any(String), error: 'The group is rebalancing, so a rejoin is needed' },
  })
})
