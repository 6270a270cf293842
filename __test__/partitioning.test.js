// Keyed messages land where KafkaJS's DefaultPartitioner puts them: Java's murmur2 of the key
// bytes, positive, modulo the partition count. The murmur2 here is the test's own, checked
// against KafkaJS's published vectors before it judges anyone.
const { newKafka, createTopic, client } = require('./helpers')

const murmur2 = data => {
  const m = 0x5bd1e995
  let h = (0x9747b28c ^ data.length) | 0
  const words = data.length & ~3
  for (let i = 0; i < words; i += 4) {
    let k = data.readInt32LE(i)
    k = Math.imul(k, m)
    k ^= k >>> 24
    k = Math.imul(k, m)
    h = Math.imul(h, m) ^ k
  }
  switch (data.length & 3) {
    case 3: h ^= data[words + 2] << 16 // falls through
    case 2: h ^= data[words + 1] << 8 // falls through
    case 1: h ^= data[words]; h = Math.imul(h, m)
  }
  h ^= h >>> 13
  h = Math.imul(h, m)
  h ^= h >>> 15
  return h | 0
}

const keyBytes = key => (Buffer.isBuffer(key) ? key : Buffer.from(String(key)))
const expectedPartition = (key, n) => (murmur2(keyBytes(key)) & 0x7fffffff) % n

test("the test's murmur2 matches KafkaJS's vectors", () => {
  const vectors = { '': 275646681, 0: 971027396, 1: -1993445489, a: -1563381124, ab: 316155434, abc: 479470107, abcd: -1323649548, abcde: 461995741, '100:48069': 1009543857, héllo: 614509002, 'my-key': 1748425209 }
  for (const [key, hash] of Object.entries(vectors)) expect([key, murmur2(Buffer.from(key))]).toEqual([key, hash])
})

test('keyed messages go to the murmur2 partition, for string, empty, non-ASCII and Buffer keys', async () => {
  const partitions = 7
  const topic = await createTopic({ partitions })
  const keys = ['', 'héllo', '日本語', 'my-key', Buffer.from([0, 1, 2, 250])]
  for (let i = 0; i < 200; i++) keys.push(i % 3 ? `key-${i}-${Math.random()}` : Buffer.from(`buf-${i}`))
  const producer = newKafka().producer({ createPartitioner: client().Partitioners.DefaultPartitioner })
  await producer.connect()
  const landed = []
  for (const key of keys) {
    const [result] = await producer.send({ topic, messages: [{ key, value: 'v' }] })
    landed.push(result.partition)
  }
  await producer.disconnect()
  expect(landed).toEqual(keys.map(key => expectedPartition(key, partitions)))
})

test('an explicit partition wins over the key', async () => {
  const topic = await createTopic({ partitions: 3 })
  const producer = newKafka().producer()
  await producer.connect()
  const [result] = await producer.send({ topic, messages: [{ key: 'my-key', partition: 2, value: 'v' }] })
  await producer.disconnect()
  expect(result.partition).toBe(2)
})

// KafkaJS's partitioners are callable: users wrap them in partitioners of their own. Called from
// JavaScript they must choose what KafkaJS's do, and what the engine chooses when it partitions.
describe('Partitioners called from JavaScript', () => {
  const reference = require('kafkajs').Partitioners
  const metadata = leaders => leaders.map((leader, partitionId) => ({ partitionErrorCode: 0, partitionId, leader, replicas: [leader], isr: [leader], offlineReplicas: [] }))
  const keys = ['', 'héllo', '日本語', 'my-key', 0, 12345, Buffer.from([0, 1, 2, 250])]
  for (let i = 0; i < 500; i++) keys.push(i % 3 ? `key-${i}-${Math.random()}` : Buffer.from(`buf-${i}-${Math.random()}`))
  // A send's key must be a string or a Buffer; only the partitioner itself takes numbers.
  const sendable = keys.filter(key => typeof key !== 'number').slice(0, 100)

  for (const name of ['DefaultPartitioner', 'LegacyPartitioner', 'JavaCompatiblePartitioner']) {
    test(`${name}() hashes keys as KafkaJS's does, and an explicit partition wins`, () => {
      const ours = client().Partitioners[name]()
      const theirs = reference[name]()
      for (const partitions of [1, 7, 32]) {
        const partitionMetadata = metadata(Array(partitions).fill(1))
        const chosen = keys.map(key => ours({ topic: 't', partitionMetadata, message: { key, value: 'v' } }))
        expect(chosen).toEqual(keys.map(key => theirs({ topic: 't', partitionMetadata, message: { key, value: 'v' } })))
      }
      expect(ours({ topic: 't', partitionMetadata: metadata([1, 1, 1]), message: { key: 'k', partition: 2 } })).toBe(2)
    })

    // The round-robin counter starts at a random value, so what is observable is the cycle.
    test(`${name}() sends keyless messages round-robin over the partitions with a leader, per topic`, () => {
      const partitioner = client().Partitioners[name]()
      const led = metadata([1, -1, 2, 1, -1])
      const a = Array.from({ length: 9 }, () => partitioner({ topic: 'a', partitionMetadata: led, message: { value: 'v' } }))
      const cycle = [0, 2, 3]
      a.slice(1).forEach((p, i) => expect([a[i], p]).toEqual([a[i], cycle[(cycle.indexOf(a[i]) + 1) % 3]]))
      const leaderless = metadata([-1, -1])
      const b = Array.from({ length: 4 }, () => partitioner({ topic: 'b', partitionMetadata: leaderless, message: { key: null } }))
      expect(b.filter(p => p === b[0])).toEqual([b[0], b[0]])
      expect(b[1]).toBe(1 - b[0])
    })
  }

  test('a user partitioner that wraps DefaultPartitioner() sends where KafkaJS would, and where the engine does', async () => {
    const partitions = 5
    const topic = await createTopic({ partitions })
    const { Partitioners } = client()
    const wrapped = () => {
      const inner = Partitioners.DefaultPartitioner()
      return args => inner(args)
    }
    const sendAll = async createPartitioner => {
      const producer = newKafka().producer({ createPartitioner })
      await producer.connect()
      const results = await Promise.all(sendable.map(key => producer.send({ topic, messages: [{ key, value: 'v' }] })))
      await producer.disconnect()
      return results.map(([r]) => r.partition)
    }
    const theirs = reference.DefaultPartitioner()
    const expected = sendable.map(key => theirs({ topic, partitionMetadata: metadata(Array(partitions).fill(1)), message: { key } }))
    expect(await sendAll(wrapped)).toEqual(expected)
    expect(await sendAll(Partitioners.DefaultPartitioner)).toEqual(expected)
  })

  test('the engine places keyed messages as LegacyPartitioner() does', async () => {
    const partitions = 6
    const topic = await createTopic({ partitions })
    const producer = newKafka().producer({ createPartitioner: client().Partitioners.LegacyPartitioner })
    await producer.connect()
    const sent = sendable
    const results = await Promise.all(sent.map(key => producer.send({ topic, messages: [{ key, value: 'v' }] })))
    await producer.disconnect()
    const theirs = reference.LegacyPartitioner()
    expect(results.map(([r]) => r.partition)).toEqual(sent.map(key => theirs({ topic, partitionMetadata: metadata(Array(partitions).fill(1)), message: { key } })))
  })
})
