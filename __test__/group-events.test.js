// Group instrumentation in KafkaJS's details: a member left without partitions still runs its
// fetch loop (FETCH_START and FETCH every maxWaitTimeInMs), and RECEIVED_UNSUBSCRIBED_TOPICS
// names the topics this member was assigned.
const { newKafka, createTopic, unique, waitFor } = require('./helpers')

const joinedWith = consumer => {
  const joins = []
  consumer.on(consumer.events.GROUP_JOIN, event => joins.push(event.payload))
  return joins
}

test('a member with an empty assignment still emits FETCH_START and FETCH', async () => {
  const topic = await createTopic({ partitions: 1 })
  const groupId = unique('idle-member')
  const config = { groupId, maxWaitTimeInMs: 200, heartbeatInterval: 100, sessionTimeout: 10000 }
  const [first, second] = [newKafka().consumer(config), newKafka().consumer(config)]
  const joins = [joinedWith(first), joinedWith(second)]
  const fetches = [[], []]
  ;[first, second].forEach((consumer, i) => {
    consumer.on(consumer.events.FETCH_START, e => fetches[i].push({ kind: 'start', ...e.payload }))
    consumer.on(consumer.events.FETCH, e => fetches[i].push({ kind: 'fetch', ...e.payload }))
  })
  const isEmpty = assignment => Object.values(assignment).every(partitions => partitions.length === 0)
  try {
    for (const consumer of [first, second]) {
      await consumer.connect()
      await consumer.subscribe({ topic })
    }
    await first.run({ eachMessage: async () => {} })
    second.run({ eachMessage: async () => {} })
    // Both members of one generation, one of them holding nothing.
    const idle = await (async () => {
      let found
      await waitFor(() => {
        const last = joins.map(j => j[j.length - 1])
        if (!last[0] || !last[1] || last[0].memberId === undefined) return false
        found = last.findIndex(j => isEmpty(j.memberAssignment))
        return found >= 0 && last.some(j => !isEmpty(j.memberAssignment))
      }, { what: 'a generation in which one member holds nothing' })
      return found
    })()
    const since = fetches[idle].length
    await waitFor(() => fetches[idle].slice(since).filter(f => f.kind === 'fetch').length >= 2, {
      what: "the idle member's fetch loop",
      timeout: 15000,
    })
    const loop = fetches[idle].slice(since)
    // KafkaJS's node ids here are the keys of its broker pool: strings.
    expect(loop.find(f => f.kind === 'start')).toEqual({ kind: 'start', nodeId: expect.any(String) })
    expect(loop.find(f => f.kind === 'fetch')).toEqual({
      kind: 'fetch',
      nodeId: expect.any(String),
      numberOfBatches: 0,
      duration: expect.any(Number),
    })
  } finally {
    await Promise.all([first.disconnect(), second.disconnect()])
  }
}, 60000)

// KafkaJS's own spec: the leader subscribes to two topics, the second member to one of them and
// a third; the leader assigns its own topics, so the second member gets one it did not ask for.
test('RECEIVED_UNSUBSCRIBED_TOPICS lists the topics assigned to this member', async () => {
  const topicNames = [await createTopic({ partitions: 2 }), await createTopic({ partitions: 2 })]
  const otherTopic = await createTopic({ partitions: 2 })
  const groupId = unique('unsubscribed')
  const first = newKafka().consumer({ groupId, maxWaitTimeInMs: 100 })
  const second = newKafka().consumer({ groupId, maxWaitTimeInMs: 100 })
  const firstJoins = joinedWith(first)
  const secondJoins = joinedWith(second)
  const received = []
  second.on(second.events.RECEIVED_UNSUBSCRIBED_TOPICS, event => received.push(event))
  try {
    await first.connect()
    for (const topic of topicNames) await first.subscribe({ topic, fromBeginning: true })
    first.run({ eachMessage: async () => {} })
    await waitFor(() => firstJoins.length > 0, { what: 'the first member to join' })
    await second.connect()
    for (const topic of [topicNames[1], otherTopic]) await second.subscribe({ topic, fromBeginning: true })
    second.run({ eachMessage: async () => {} })
    await waitFor(() => secondJoins.length > 0, { what: 'the second member to join' })
    await waitFor(async () => {
      const { state, members } = await first.describeGroup()
      return state === 'Stable' && members.length === 2
    }, { what: 'a stable group of two' })
    await waitFor(() => received.length > 0, { what: 'RECEIVED_UNSUBSCRIBED_TOPICS' })
  } finally {
    await Promise.all([first.disconnect(), second.disconnect()])
  }
  expect(received[0]).toEqual({
    id: expect.any(Number),
    timestamp: expect.any(Number),
    type: 'consumer.received_unsubscribed_topics',
    payload: {
      groupId,
      generationId: expect.any(Number),
      memberId: expect.any(String),
      assignedTopics: topicNames,
      topicsSubscribed: [topicNames[1], otherTopic],
      topicsNotSubscribed: [topicNames[0]],
    },
  })
}, 60000)
