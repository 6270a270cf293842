// A producer's messages arrive with KafkaJS's shapes and types: send results, eachMessage
// payloads, keys/values as Buffers or null, headers (repeated keys as arrays), batch context.
const { newKafka, createTopic, consumeMessages } = require('./helpers')

const MESSAGE_KEYS = ['magicByte', 'attributes', 'timestamp', 'offset', 'key', 'value', 'headers', 'isControlRecord', 'batchContext']
const BATCH_CONTEXT_KEYS = [
  'firstOffset', 'firstTimestamp', 'partitionLeaderEpoch', 'inTransaction', 'isControlBatch', 'lastOffsetDelta',
  'producerId', 'producerEpoch', 'firstSequence', 'maxTimestamp', 'timestampType', 'magicByte',
]

describe('produce and consume payloads', () => {
  let topic
  let sendResult
  let received

  beforeAll(async () => {
    topic = await createTopic()
    const producer = newKafka().producer()
    await producer.connect()
    sendResult = await producer.send({
      topic,
      messages: [
        { key: 'my-key', value: JSON.stringify({ some: 'data' }), headers: { 'x-str': 'a', 'x-buf': Buffer.from([1, 2]) } },
        { key: null, value: null },
        { key: Buffer.from('bin-key'), value: Buffer.from([0, 255]), headers: { dup: ['one', 'two'] } },
        { value: 'with-timestamp', timestamp: '1700000000000' },
      ],
    })
    await producer.disconnect()
    received = (await consumeMessages({ topic, count: 4 })).sort((a, b) => Number(a.message.offset) - Number(b.message.offset))
  })

  test('send resolves to RecordMetadata with string offsets', () => {
    expect(sendResult).toEqual([
      { topicName: topic, partition: 0, errorCode: 0, baseOffset: '0', logAppendTime: '-1', logStartOffset: '0' },
    ])
  })

  test('eachMessage gets topic, partition, message, heartbeat and pause', () => {
    const payload = received[0]
    expect(Object.keys(payload).sort()).toEqual(['heartbeat', 'message', 'partition', 'pause', 'topic'])
    expect(payload.topic).toBe(topic)
    expect(payload.partition).toBe(0)
    expect(typeof payload.heartbeat).toBe('function')
    expect(typeof payload.pause).toBe('function')
  })

  test('messages carry KafkaJS fields, in order, with KafkaJS types', () => {
    const { message } = received[0]
    expect(Object.keys(message)).toEqual(MESSAGE_KEYS)
    expect(message.magicByte).toBe(2)
    expect(message.attributes).toBe(0)
    expect(message.offset).toBe('0')
    expect(typeof message.timestamp).toBe('string')
    expect(Math.abs(Number(message.timestamp) - Date.now())).toBeLessThan(10 * 60 * 1000)
    expect(message.isControlRecord).toBe(false)
    expect(Object.keys(message.batchContext)).toEqual(BATCH_CONTEXT_KEYS)
    expect(message.batchContext).toMatchObject({
      firstOffset: '0',
      partitionLeaderEpoch: expect.any(Number),
      inTransaction: false,
      isControlBatch: false,
      lastOffsetDelta: 3,
      producerId: expect.any(String),
      producerEpoch: expect.any(Number),
      firstSequence: expect.any(Number),
      maxTimestamp: expect.any(String),
      timestampType: 0,
      magicByte: 2,
    })
    expect(typeof message.batchContext.firstTimestamp).toBe('string')
  })

  test('keys and values are Buffers, or null when sent as null', () => {
    const [first, nulls, binary] = received.map(r => r.message)
    expect(Buffer.isBuffer(first.key)).toBe(true)
    expect(first.key.toString()).toBe('my-key')
    expect(JSON.parse(first.value.toString())).toEqual({ some: 'data' })
    expect(nulls.key).toBeNull()
    expect(nulls.value).toBeNull()
    expect(binary.key).toEqual(Buffer.from('bin-key'))
    expect(binary.value).toEqual(Buffer.from([0, 255]))
  })

  test('header values arrive as Buffers; a repeated key arrives as an array', () => {
    const [first, nulls, binary] = received.map(r => r.message)
    expect(first.headers).toEqual({ 'x-str': Buffer.from('a'), 'x-buf': Buffer.from([1, 2]) })
    expect(nulls.headers).toEqual({})
    expect(binary.headers).toEqual({ dup: [Buffer.from('one'), Buffer.from('two')] })
  })

  test('an explicit timestamp is kept', () => {
    expect(received[3].message.timestamp).toBe('1700000000000')
  })

  test('acks 0 resolves to an empty list and the message is still written', async () => {
    const producer = newKafka().producer()
    await producer.connect()
    const result = await producer.send({ topic, acks: 0, messages: [{ value: 'fire-and-forget' }] })
    await producer.disconnect()
    expect(result).toEqual([])
  })
})
