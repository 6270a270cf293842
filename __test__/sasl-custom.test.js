// KafkaJS 2.2's custom SASL mechanisms (`sasl: { mechanism, authenticationProvider }`) against
// Apache Kafka's SASL_PLAINTEXT listener: a provider of the test's own speaks PLAIN through the
// `saslAuthenticate` hook, so the broker is the judge of what the hook sent.
const { startBroker } = require('../scripts/broker')
const { hasJava } = require('../scripts/kafka')
const { client, isKafkars, roundTrip } = require('./helpers')
const { plainThroughTheHook } = require('./fixtures/plain-provider')

const { USER, PASSWORD, saslListener } = require('./fixtures/sasl-listener')

const describeWithKafka = hasJava() ? describe : describe.skip

describeWithKafka('custom SASL mechanisms against Apache Kafka (needs Java)', () => {
  let broker
  beforeAll(async () => {
    broker = await startBroker({ own: true, kind: 'kafka', settings: saslListener('SASL_PLAINTEXT', ['plain', 'scram-sha-256']) })
  }, 120000)
  afterAll(() => broker?.stop())

  const kafka = config => {
    const { Kafka, logLevel } = client()
    return new Kafka({ brokers: broker.brokers, logLevel: logLevel.NOTHING, ...config })
  }

  const connectError = async config => {
    const admin = kafka({ retry: { retries: 0 }, ...config }).admin()
    const error = await admin.connect().then(
      () => null,
      e => e
    )
    await admin.disconnect()
    return error
  }

  test('a provider speaking PLAIN through saslAuthenticate: produce, consume in a group and admin', async () => {
    const seen = {}
    const sasl = plainThroughTheHook({ username: USER, password: PASSWORD, seen })
    expect(await roundTrip(kafka({ sasl }), 'through the hook')).toEqual(['through the hook'])
    const [host, port] = broker.brokers[0].split(':')
    // PLAIN's answer is empty: decode gets it size-prefixed, and parse's value comes back.
    expect(seen).toEqual({ host, port: Number(port), logger: 'function', decoded: '00000000', result: { parsed: 4 } })
  })

  test('a wrong password through the hook fails with the broker\'s refusal, as the provider rethrows it', async () => {
    const error = await connectError({ sasl: plainThroughTheHook({ username: USER, password: 'not-the-password' }) })
    expect(error).toBeInstanceOf(client().KafkaJSProtocolError)
    expect(error).toMatchObject({
      type: 'SASL_AUTHENTICATION_FAILED',
      code: 58,
      retriable: false,
      message: 'Authentication failed: Invalid username or password',
    })
  })

  test('a provider rejecting with KafkaJSSASLAuthenticationError fails the connection with it', async () => {
    const { KafkaJSSASLAuthenticationError } = client()
    const authenticationProvider = () => ({
      authenticate: async () => {
        throw new KafkaJSSASLAuthenticationError('SASL PLAIN: no credentials today')
      },
    })
    const error = await connectError({ sasl: { mechanism: 'plain', authenticationProvider } })
    expect(error).toBeInstanceOf(KafkaJSSASLAuthenticationError)
    expect(error).toMatchObject({ message: 'SASL PLAIN: no credentials today', retriable: false })
  })

  test('a provider rejecting with any other error fails the connection with its message', async () => {
    const authenticationProvider = () => ({
      authenticate: async () => {
        throw new Error('token service down')
      },
    })
    const error = await connectError({ sasl: { mechanism: 'PLAIN', authenticationProvider } })
    expect(error.message).toContain('token service down')
    // KafkaJS lets the provider's own error through; kafkars's errors are KafkaJS's classes.
    if (isKafkars) {
      expect(error).toBeInstanceOf(client().KafkaJSSASLAuthenticationError)
      expect(error.message).toBe('SASL PLAIN authentication failed: token service down')
    } else {
      expect(error.constructor).toBe(Error)
    }
  })

  test('a custom mechanism the broker does not enable fails at SaslHandshake, before the provider runs', async () => {
    let called = false
    const authenticationProvider = () => {
      called = true
      return { authenticate: async () => {} }
    }
    const error = await connectError({ sasl: { mechanism: 'AWS_MSK_IAM', authenticationProvider } })
    expect(error).toBeInstanceOf(client().KafkaJSProtocolError)
    expect(error).toMatchObject({ type: 'UNSUPPORTED_SASL_MECHANISM', retriable: false })
    expect(error.message).toMatch(/^The broker does not support the requested SASL mechanism/)
    if (isKafkars) expect(error.message).toContain(`AWS_MSK_IAM (broker ${broker.brokers[0]} enables PLAIN, SCRAM-SHA-256)`)
    expect(called).toBe(false)
  })

  test("KafkaJS's 'aws' mechanism: Kafka has no SASL AWS, and says which mechanisms it enables", async () => {
    const sasl = { mechanism: 'aws', authorizationIdentity: 'AIDAFAKEUSER', accessKeyId: 'AKIAFAKE', secretAccessKey: 'fake-secret' }
    const error = await connectError({ sasl })
    expect(error).toBeInstanceOf(client().KafkaJSProtocolError)
    expect(error).toMatchObject({ type: 'UNSUPPORTED_SASL_MECHANISM', code: 33, retriable: false })
    expect(error.message).toMatch(/^The broker does not support the requested SASL mechanism/)
    expect(error.message).not.toContain('fake-secret')
    if (isKafkars) expect(error.message).toContain(`AWS (broker ${broker.brokers[0]} enables PLAIN, SCRAM-SHA-256)`)
  })
})
