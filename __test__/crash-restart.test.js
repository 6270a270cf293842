// A consumer that crashed with `restart: true` leaves the group and joins again at once, as
// KafkaJS does: the next handler call comes within the retry delay and a rejoin, not after the
// old member's session expired. Whatever the handler throws, Error or not, the same happens;
// except null and undefined, which crash KafkaJS for good (see below).
const { client, newKafka, createTopic, unique, waitFor } = require('./helpers')

const produce = async (topic, values) => {
  const producer = newKafka().producer()
  await producer.connect()
  await producer.send({ topic, messages: values.map(value => ({ value })) })
  await producer.disconnect()
}

// retries: 2 → three calls, then CRASH. A session of 10 s: a restart that waited for the old
// member to expire would come ~10 s later, far past the bound below.
const retry = { retries: 2, initialRetryTime: 50 }
const sessionTimeout = 10000
// A rejoin and a fetch on a loaded two-core machine, plus the retry delay.
const RESTART_BOUND_MS = 3000

const thrown = {
  Error: new Error('handler failure'),
  string: 'handler failure',
  object: { reason: 'handler failure' },
  number: 42,
}

const crashingConsumer = async ({ groupId, throws, failures }) => {
  const topic = await createTopic()
  await produce(topic, ['m'])
  const consumer = newKafka().consumer({ groupId, sessionTimeout, retry })
  const calls = []
  const crashes = []
  consumer.on(consumer.events.CRASH, e => crashes.push({ at: Date.now(), payload: e.payload }))
  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  await consumer.run({
    eachMessage: async () => {
      calls.push(Date.now())
      if (calls.length <= failures) throw throws
    },
  })
  return { consumer, calls, crashes }
}

test.each(Object.keys(thrown))('a handler throwing %s: CRASH with restart, and handled again within a second or so', async kind => {
  const { consumer, calls, crashes } = await crashingConsumer({
    groupId: unique('restart'),
    throws: thrown[kind],
    failures: retry.retries + 1,
  })
  try {
    await waitFor(() => calls.length >= 4, { what: 'the handler called after the restart' })
  } finally {
    await consumer.disconnect()
  }
  expect(crashes).toHaveLength(1)
  const [{ at, payload }] = crashes
  expect(payload.restart).toBe(true)
  expect(payload.error.name).toBe('KafkaJSNumberOfRetriesExceeded')
  expect(payload.error.cause).toBe(thrown[kind])
  expect(calls.filter(t => t <= at)).toHaveLength(3)
  const delay = calls[3] - at
  console.log(`${kind}: handled again ${delay} ms after CRASH`)
  expect(delay).toBeLessThan(RESTART_BOUND_MS)
})

// KafkaJS logs a handler's error reading its `stack`: for null and undefined that throws a
// TypeError, which its retrier does not retry, so the consumer crashes for good at once.
test.each([
  ['undefined', undefined],
  ['null', null],
])('a handler throwing %s: CRASH at once with a non-retriable TypeError, no restart', async (kind, value) => {
  const { consumer, calls, crashes } = await crashingConsumer({
    groupId: unique('no-restart'),
    throws: value,
    failures: Infinity,
  })
  try {
    await waitFor(() => crashes.length > 0, { what: 'a CRASH event' })
  } finally {
    await consumer.disconnect()
  }
  expect(calls).toHaveLength(1)
  const [{ payload }] = crashes
  expect(payload.restart).toBe(false)
  expect(payload.error).toMatchObject({
    name: 'KafkaJSNonRetriableError',
    retriable: false,
    message: `Cannot read properties of ${kind} (reading 'stack')`,
  })
  expect(payload.error.cause).toBeInstanceOf(TypeError)
})

test('disconnect while a crashed consumer waits to restart returns promptly and it does not restart', async () => {
  const topic = await createTopic()
  await produce(topic, ['m'])
  // A restart delay long enough that the disconnect falls inside it.
  const retry = { retries: 0, initialRetryTime: 2000 }
  // A restart begins by logging 'Starting', at once, as the first run did.
  let starts = 0
  const logCreator = () => ({ namespace, log }) => {
    if (namespace === 'Consumer' && log.message === 'Starting') starts++
  }
  const consumer = newKafka({ logLevel: client().logLevel.INFO, logCreator }).consumer({
    groupId: unique('restart-disconnect'),
    sessionTimeout,
    retry,
  })
  let calls = 0
  let crash
  consumer.on(consumer.events.CRASH, e => (crash = e.payload))
  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  await consumer.run({
    eachMessage: async () => {
      calls++
      throw new Error('handler failure')
    },
  })
  await waitFor(() => crash, { what: 'a CRASH event' })
  // Time by design: the restart is a timer set as CRASH was emitted. One of the same delay set
  // now fires after it, so by then a restart that disconnect did not cancel has begun.
  const restartDelay = crash.error.retryTime || retry.initialRetryTime
  const pastRestart = new Promise(r => setTimeout(r, restartDelay))
  const started = Date.now()
  await consumer.disconnect()
  const took = Date.now() - started
  const callsAtDisconnect = calls
  await pastRestart
  expect(starts).toBe(1)
  expect(calls).toBe(callsAtDisconnect)
  expect(took).toBeLessThan(1000)
})
