// SASL as KafkaJS configures it, against Apache Kafka's own SASL listeners: PLAIN and SCRAM
// (SHA-256 and SHA-512) over plaintext and over TLS. Users are made for the run: PLAIN's in the
// listener's JAAS line, SCRAM's written into the storage as it is formatted.
const { startBroker } = require('../scripts/broker')
const { hasJava } = require('../scripts/kafka')
const { makeCertificates } = require('../scripts/certificates')
const { client, isKafkars, roundTrip: sharedRoundTrip } = require('./helpers')

const USER = 'alice'
const PASSWORD = 'alice-secret'
const MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512']
// The SASL_SSL listener leaves SCRAM-SHA-256 out, for the test of a mechanism a broker lacks.
const OVER_TLS = ['plain', 'scram-sha-512']

const saslListener = (protocol, mechanisms, certificates) => ({
  'listener.security.protocol.map': `CLIENT:${protocol},INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT`,
  'sasl.enabled.mechanisms': mechanisms.join(',').toUpperCase(),
  'listener.name.client.plain.sasl.jaas.config': `org.apache.kafka.common.security.plain.PlainLoginModule required user_${USER}="${PASSWORD}";`,
  'listener.name.client.scram-sha-256.sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required;',
  'listener.name.client.scram-sha-512.sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required;',
  ...(certificates && {
    'listener.name.client.ssl.keystore.type': 'PEM',
    'listener.name.client.ssl.keystore.location': certificates.file('broker-keystore.pem'),
  }),
})
const SCRAM_USERS = ['SCRAM-SHA-256', 'SCRAM-SHA-512'].map(m => `${m}=[name=${USER},password=${PASSWORD}]`)

// Apache Kafka's listeners are the real thing; a machine without Java has no broker to test on.
const describeWithKafka = hasJava() ? describe : describe.skip

describeWithKafka('SASL against Apache Kafka (needs Java)', () => {
  let certificates
  let plaintext
  let overTls
  beforeAll(async () => {
    certificates = makeCertificates()
    ;[plaintext, overTls] = await Promise.all([
      startBroker({ own: true, kind: 'kafka', settings: saslListener('SASL_PLAINTEXT', MECHANISMS), scram: SCRAM_USERS }),
      startBroker({ own: true, kind: 'kafka', settings: saslListener('SASL_SSL', OVER_TLS, certificates), scram: SCRAM_USERS }),
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

    const overTlsTest = OVER_TLS.includes(mechanism) ? test : test.skip
    overTlsTest('and over SASL_SSL', async () => {
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

  test('a mechanism the broker does not enable fails as the broker answers, naming the ones it does', async () => {
    const sasl = { mechanism: 'scram-sha-256', username: USER, password: PASSWORD }
    const error = await connectError(overTls, { sasl, ssl: { ca: [certificates.read('ca.pem')] } })
    expect(error).toBeInstanceOf(client().KafkaJSProtocolError)
    expect(error).toMatchObject({ type: 'UNSUPPORTED_SASL_MECHANISM', retriable: false })
    if (isKafkars) expect(error.message).toContain('enables PLAIN, SCRAM-SHA-512')
  })

  test('mechanisms kafkars does not speak yet are refused at new Kafka', async () => {
    const { Kafka } = client()
    const oauth = () => new Kafka({ brokers: plaintext.brokers, sasl: { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: 'x' }) } })
    if (isKafkars) expect(oauth).toThrow(client().KafkaJSNotImplemented)
    else expect(oauth).not.toThrow()
  })

  test('a missing password fails as KafkaJS fails it', async () => {
    const error = await connectError(plaintext, { sasl: { mechanism: 'plain', username: USER } })
    expect(error).toBeInstanceOf(client().KafkaJSSASLAuthenticationError)
    expect(error.message).toBe('SASL Plain: Invalid username or password')
  })
})
