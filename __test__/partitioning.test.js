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
