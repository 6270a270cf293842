// Consumer groups: members split a topic's partitions, every message is consumed once between
// them, and a group resumes from its committed offsets.
const { newKafka, createTopic, unique, waitFor } = require('./helpers')

const produce = async (topic, messages) => {
  const producer = newKafka().producer()
  await producer.connect()
  await producer.send({ topic, messages })
  await producer.disconnect()
}

test('two consumers of one group split the partitions and consume every message', async () => {
  const topic = await createTopic({ partitions: 4 })
  const groupId = unique('group')
  const values = Array.from({ length: 40 }, (_, i) => `m${i}`)

  const seen = []
  const assignments = []
  const members = [0, 1].map(() => newKafka().consumer({ groupId }))
  for (const [i, consumer] of members.entries()) {
    consumer.on(consumer.events.GROUP_JOIN, e => {
      assignments[i] = e.payload.memberAssignment
    })
    await consumer.connect()
    await consumer.subscribe({ topics: [topic], fromBeginning: true })
  }
  const balanced = () =>
    assignments.length === 2 && assignments.every(a => a && (a[topic] || []).length === 2)
  try {
    await Promise.all(
      members.map((consumer, i) =>
        consumer.run({ eachMessage: async ({ message }) => void seen.push([i, message.value.toString()]) })
      )
    )
    // Produce once the group has settled: a member that joined first, alone, would otherwise
    // take everything before the other arrives.
    await waitFor(balanced, { what: 'a balanced group' })
    await produce(topic, values.map((value, i) => ({ value, partition: i % 4 })))
    await waitFor(() => new Set(seen.map(([, v]) => v)).size === values.length, {
      what: 'every message consumed',
    })
  } finally {
    await Promise.all(members.map(c => c.disconnect()))
  }
  const [a, b] = assignments.map(x => x[topic])
  expect([...a, ...b].sort()).toEqual([0, 1, 2, 3])
  expect(new Set(seen.map(([, v]) => v))).toEqual(new Set(values))
  expect(new Set(seen.map(([member]) => member))).toEqual(new Set([0, 1]))
})

test('a group resumes from its committed offsets; admin reports them', async () => {
  const topic = await createTopic({ partitions: 1 })
  const groupId = unique('group')
  await produce(topic, ['a', 'b', 'c'].map(value => ({ value })))

  // Reads until `last` arrived, then sends `end` and reads until it arrived too: anything
  // re-delivered from before `end` comes before it.
  const run = async (last, end) => {
    const consumer = newKafka().consumer({ groupId })
    const got = []
    await consumer.connect()
    await consumer.subscribe({ topics: [topic], fromBeginning: true })
    await consumer.run({ eachMessage: async ({ message }) => void got.push([message.offset, message.value.toString()]) })
    const arrived = value => () => got.some(([, v]) => v === value)
    await waitFor(arrived(last), { what: `message ${last}` })
    await produce(topic, [{ value: end }])
    await waitFor(arrived(end), { what: `message ${end}` })
    await consumer.disconnect()
    return got
  }

  expect(await run('c', 'end1')).toEqual([['0', 'a'], ['1', 'b'], ['2', 'c'], ['3', 'end1']])
  await produce(topic, ['d', 'e'].map(value => ({ value })))
  expect(await run('e', 'end2')).toEqual([['4', 'd'], ['5', 'e'], ['6', 'end2']])

  const admin = newKafka().admin()
  await admin.connect()
  const offsets = await admin.fetchOffsets({ groupId, topics: [topic] })
  await admin.disconnect()
  expect(offsets).toEqual([{ topic, partitions: [{ partition: 0, offset: '7', metadata: null }] }])
})
