// SASL as KafkaJS configures it, against Apache Kafka's own SASL listeners: PLAIN, SCRAM
// (SHA-256 and SHA-512) and OAUTHBEARER (with the broker's unsecured token validator), each over
// plaintext and over TLS. Users are made for the run: PLAIN's in the
// listener's JAAS line, SCRAM's written into the storage as it is formatted.
const { startBroker } = require('../scripts/broker')
const { hasJava } = require('../scripts/kafka')
const { makeCertificates } = require('../scripts/certificates')
const { client, isKafkars, roundTrip: sharedRoundTrip } = require('./helpers')
const { plainThroughTheHook } = require('./fixtures/plain-provider')
const { USER, PASSWORD, saslListener, SCRAM_USERS, unsecuredJwt } = require('./fixtures/sasl-listener')

const MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512']

// Apache Kafka's listeners are the real thing; a machine without Java has no broker to test on.
const describeWithKafka = hasJava() ? describe : describe.skip

describeWithKafka('SASL against Apache Kafka (needs Java)', () => {
  let certificates
  let plaintext
  let overTls
  beforeAll(async () => {
    certificates = makeCertificates()
    ;[plaintext, overTls] = await Promise.all([
      startBroker({ own: true, kind: 'kafka', settings: saslListener('SASL_PLAINTEXT', [...MECHANISMS, 'oauthbearer']), scram: SCRAM_USERS }),
      startBroker({ own: true, kind: 'kafka', settings: saslListener('SASL_SSL', [...MECHANISMS, 'oauthbearer'], certificates), scram: SCRAM_USERS }),
    ])
  }, 120000)
  afterAll(async () => {
    await Promise.all([plaintext?.stop(), overTls?.stop()])
    certificates?.remove()
  })

  const kafka = (broker, config) => {
    const { Kafka, logLevel } = client()
    return new Kafka({ brokers: broker.brokers, logLevel: logLevel.NOTHING, ...config })
  }

  const roundTrip = (broker, config) => sharedRoundTrip(kafka(broker, config), 'authenticated')

  const connectError = async (broker, config) => {
    const admin = kafka(broker, { retry: { retries: 0 }, ...config }).admin()
    const error = await admin.connect().then(
      () => null,
      e => e
    )
    await admin.disconnect()
    return error
  }

  describe.each(MECHANISMS)('%s', mechanism => {
    test('produce, consume in a group and admin over SASL_PLAINTEXT', async () => {
      const sasl = { mechanism, username: USER, password: PASSWORD }
      expect(await roundTrip(plaintext, { sasl })).toEqual(['authenticated'])
    })

    test('and over SASL_SSL', async () => {
      const sasl = { mechanism, username: USER, password: PASSWORD }
      const ssl = { ca: [certificates.read('ca.pem')] }
      expect(await roundTrip(overTls, { sasl, ssl })).toEqual(['authenticated'])
    })

    test('a wrong password is KafkaJSSASLAuthenticationError with the broker\'s reason, the password nowhere', async () => {
      const error = await connectError(plaintext, { sasl: { mechanism, username: USER, password: 'not-the-password' } })
      expect(error).toBeInstanceOf(client().KafkaJSSASLAuthenticationError)
      expect(error.retriable).toBe(false)
      const prefix = mechanism === 'plain' ? 'SASL PLAIN' : `SASL SCRAM ${mechanism.slice(6).replace('-', '').toUpperCase()}`
      expect(error.message).toMatch(new RegExp(`^${prefix} authentication failed: .+`))
      expect(error.message).not.toContain('not-the-password')
    })
  })

  test('a custom mechanism (PLAIN through authenticationProvider) over SASL_SSL', async () => {
    const sasl = plainThroughTheHook({ username: USER, password: PASSWORD })
    const ssl = { ca: [certificates.read('ca.pem')] }
    expect(await roundTrip(overTls, { sasl, ssl })).toEqual(['authenticated'])
  })

  test('a mechanism the broker does not enable fails as the broker answers, naming the ones it does', async () => {
    // Both clients speak AWS (KafkaJS's 'aws'); Kafka has no such mechanism.
    const sasl = { mechanism: 'aws', authorizationIdentity: 'id', accessKeyId: 'key', secretAccessKey: 'secret' }
    const error = await connectError(overTls, { sasl, ssl: { ca: [certificates.read('ca.pem')] } })
    expect(error).toBeInstanceOf(client().KafkaJSProtocolError)
    expect(error).toMatchObject({ type: 'UNSUPPORTED_SASL_MECHANISM', retriable: false })
    if (isKafkars) expect(error.message).toMatch(/AWS \(broker [^ ]+ enables PLAIN, SCRAM-SHA-512, SCRAM-SHA-256, OAUTHBEARER\)/)
  })

  test('mechanisms kafkars does not speak yet are refused at new Kafka', async () => {
    const { Kafka } = client()
    const gssapi = () => new Kafka({ brokers: plaintext.brokers, sasl: { mechanism: 'gssapi', username: USER, password: PASSWORD } })
    if (isKafkars) expect(gssapi).toThrow(client().KafkaJSNotImplemented)
    else expect(gssapi).not.toThrow()
  })

  test('OAUTHBEARER: the provider is asked for a token, and produce, consume and admin work', async () => {
    let asked = 0
    const oauthBearerProvider = async () => {
      asked += 1
      return { value: unsecuredJwt() }
    }
    expect(await roundTrip(plaintext, { sasl: { mechanism: 'oauthbearer', oauthBearerProvider } })).toEqual(['authenticated'])
    // Once per connection: the admin's, the producer's, the consumer's, their coordinators'.
    expect(asked).toBeGreaterThanOrEqual(3)
  })

  test('OAUTHBEARER over SASL_SSL', async () => {
    const oauthBearerProvider = async () => ({ value: unsecuredJwt() })
    const ssl = { ca: [certificates.read('ca.pem')] }
    expect(await roundTrip(overTls, { sasl: { mechanism: 'oauthbearer', oauthBearerProvider }, ssl })).toEqual(['authenticated'])
  })

  test('OAUTHBEARER: a provider that rejects fails the connection', async () => {
    const oauthBearerProvider = async () => {
      throw new Error('token service down')
    }
    const error = await connectError(plaintext, { sasl: { mechanism: 'oauthbearer', oauthBearerProvider } })
    expect(error?.message).toContain('token service down')
    if (isKafkars) {
      // KafkaJS throws the provider's own error; kafkars says what failed around it.
      expect(error).toBeInstanceOf(client().KafkaJSSASLAuthenticationError)
      expect(error.message).toBe('SASL OAUTHBEARER: the token provider failed: token service down')
    }
  })

  test('OAUTHBEARER: an expired token is refused by the broker', async () => {
    const oauthBearerProvider = async () => ({ value: unsecuredJwt({ expiresIn: -60 }) })
    const admin = kafka(plaintext, { sasl: { mechanism: 'oauthbearer', oauthBearerProvider }, retry: { retries: 0 }, requestTimeout: 5000 }).admin()
    // KafkaJS takes the broker's error challenge for success and connects; its first request
    // then fails. kafkars fails the connection with the broker's refusal.
    const error = await admin
      .connect()
      .then(() => admin.listTopics())
      .then(
        () => null,
        e => e
      )
    await admin.disconnect()
    expect(error?.name).toMatch(/Error|Exceeded$/)
    if (isKafkars) {
      expect(error).toBeInstanceOf(client().KafkaJSSASLAuthenticationError)
      expect(error.message).toMatch(/^SASL OAUTHBEARER authentication failed: /)
    }
  })

  test('a missing password fails as KafkaJS fails it', async () => {
    const error = await connectError(plaintext, { sasl: { mechanism: 'plain', username: USER } })
    expect(error).toBeInstanceOf(client().KafkaJSSASLAuthenticationError)
    expect(error.message).toBe('SASL Plain: Invalid username or password')
  })
})
