// SASL re-authentication (KIP-368) as KafkaJS does it: a broker that gives each SASL session a
// lifetime (`connections.max.reauth.ms`) closes a connection whose session ended, unless the
// client authenticates again on it first. Clients connect through a proxy of the test's own, so
// the test sees whether sessions were renewed on live connections or connections were replaced.
const { startBroker } = require('../scripts/broker')
const { hasJava } = require('../scripts/kafka')
const { startCuttingProxy } = require('./fixtures/cutting-proxy')
const { plainThroughTheHook } = require('./fixtures/plain-provider')
const { USER, PASSWORD, saslListener, unsecuredJwt } = require('./fixtures/sasl-listener')
const { client, unique, waitFor } = require('./helpers')

const SESSION_MS = 3000

const describeWithKafka = hasJava() ? describe : describe.skip

describeWithKafka('SASL re-authentication against Apache Kafka (needs Java)', () => {
  let proxy
  let broker
  beforeAll(async () => {
    proxy = await startCuttingProxy()
    broker = await startBroker({
      own: true,
      kind: 'kafka',
      advertise: proxy.address,
      settings: {
        ...saslListener('SASL_PLAINTEXT', ['plain', 'oauthbearer']),
        'connections.max.reauth.ms': String(SESSION_MS),
      },
    })
    proxy.forwardTo(broker.brokers[0])
  }, 120000)
  afterAll(async () => {
    await proxy?.close()
    await broker?.stop()
  })

  // How often the OAUTHBEARER provider was asked: at each authentication, renewals included.
  let tokensGiven = 0
  const oauthBearerProvider = async () => {
    tokensGiven += 1
    return { value: unsecuredJwt() }
  }

  const mechanisms = [
    ['PLAIN', { mechanism: 'plain', username: USER, password: PASSWORD }],
    [
      'PLAIN through a custom authenticationProvider',
      plainThroughTheHook({ username: USER, password: PASSWORD }),
    ],
    ['OAUTHBEARER', { mechanism: 'oauthbearer', oauthBearerProvider }],
  ]

  test.each(mechanisms)('%s: sessions are renewed on live connections while messages flow, and nothing is lost', async (_, sasl) => {
    const { Kafka, logLevel } = client()
    const kafka = new Kafka({
      brokers: [proxy.address],
      logLevel: logLevel.NOTHING,
      sasl,
      reauthenticationThreshold: 1000,
    })
    const topic = unique('reauth')
    const admin = kafka.admin()
    await admin.connect()
    await admin.createTopics({ topics: [{ topic }] })
    await admin.disconnect()

    const producer = kafka.producer()
    const consumer = kafka.consumer({ groupId: unique('reauth-group'), maxWaitTimeInMs: 500 })
    const received = []
    await producer.connect()
    await consumer.connect()
    await consumer.subscribe({ topic, fromBeginning: true })
    await consumer.run({ eachMessage: async ({ message }) => void received.push(message.value.toString()) })

    const sent = []
    const sendAndSee = async value => {
      await producer.send({ topic, messages: [{ value }] })
      sent.push(value)
      await waitFor(() => received.includes(value), { what: `${value} consumed` })
    }
    try {
      // Every connection the clients need is open once a message has gone round.
      await sendAndSee('warm-up')
      const opened = proxy.accepted
      const tokensBefore = tokensGiven
      // Then messages go round for three session lifetimes, each after the last was consumed.
      const until = Date.now() + 3 * SESSION_MS
      for (let i = 0; Date.now() < until; i++) await sendAndSee(`m${i}`)
      expect(received).toEqual(sent)
      // The broker closes a connection whose session ended: none was replaced.
      expect(proxy.accepted).toBe(opened)
      // An OAUTHBEARER session is renewed with a token the provider gives anew: on the
      // producer's connection alone, once in each of the three lifetimes at least.
      if (sasl.mechanism === 'oauthbearer') expect(tokensGiven - tokensBefore).toBeGreaterThanOrEqual(3)
    } finally {
      await consumer.disconnect()
      await producer.disconnect()
    }
  }, 60000)
})
