// TLS as KafkaJS configures it (`ssl`: Node's tls.connect options), against Apache Kafka's own
// SSL listeners: one that authenticates the broker only, one that requires client certificates.
// Certificates are made for the run (scripts/certificates.js).
const { startBroker } = require('../scripts/broker')
const { hasJava } = require('../scripts/kafka')
const { makeCertificates } = require('../scripts/certificates')
const { client, isKafkars, roundTrip: sharedRoundTrip, brokers } = require('./helpers')

// Apache Kafka's listeners are the real thing; a machine without Java has no broker to test on.
const describeWithKafka = hasJava() ? describe : describe.skip

describeWithKafka('TLS against Apache Kafka (needs Java)', () => {
  const sslListener = (certificates, clientAuth) => ({
    'listener.security.protocol.map': 'CLIENT:SSL,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'listener.name.client.ssl.keystore.type': 'PEM',
    'listener.name.client.ssl.keystore.location': certificates.file('broker-keystore.pem'),
    'listener.name.client.ssl.truststore.type': 'PEM',
    'listener.name.client.ssl.truststore.location': certificates.file('ca.pem'),
    'listener.name.client.ssl.client.auth': clientAuth,
  })

  let certificates
  let tlsBroker
  let mtlsBroker
  beforeAll(async () => {
    certificates = makeCertificates()
    ;[tlsBroker, mtlsBroker] = await Promise.all([
      startBroker({ own: true, kind: 'kafka', settings: sslListener(certificates, 'none') }),
      startBroker({ own: true, kind: 'kafka', settings: sslListener(certificates, 'required') }),
    ])
  }, 120000)
  afterAll(async () => {
    await Promise.all([tlsBroker?.stop(), mtlsBroker?.stop()])
    certificates?.remove()
  })

  const kafka = (broker, ssl, config = {}) => {
    const { Kafka, logLevel } = client()
    return new Kafka({ brokers: broker.brokers, logLevel: logLevel.NOTHING, ssl, ...config })
  }

  const roundTrip = (broker, ssl) => sharedRoundTrip(kafka(broker, ssl), 'over TLS')

  /** What `admin.connect()` over `ssl` rejects with, unwrapped from retries. */
  const connectError = async (broker, ssl, config = {}) => {
    const admin = kafka(broker, ssl, { retry: { retries: 0 }, connectionTimeout: 3000, ...config }).admin()
    const error = await admin.connect().then(
      () => null,
      e => e
    )
    await admin.disconnect()
    return error?.name === 'KafkaJSNumberOfRetriesExceeded' ? error.cause : error
  }

  test('produce, consume in a group and admin over TLS, trusting the broker by `ca`', async () => {
    expect(await roundTrip(tlsBroker, { ca: [certificates.read('ca.pem')] })).toEqual(['over TLS'])
  })

  test('`ca` as a Buffer, and `servername` the certificate carries', async () => {
    const ssl = { ca: Buffer.from(certificates.read('ca.pem')), servername: 'localhost' }
    expect(await roundTrip(tlsBroker, ssl)).toEqual(['over TLS'])
  })

  test('rejectUnauthorized: false accepts a broker no trusted CA signed', async () => {
    expect(await roundTrip(tlsBroker, { rejectUnauthorized: false })).toEqual(['over TLS'])
  })

  test('mutual TLS: a client certificate is presented when the broker requires one', async () => {
    const ssl = { ca: [certificates.read('ca.pem')], cert: certificates.read('client.pem'), key: certificates.read('client.key') }
    expect(await roundTrip(mtlsBroker, ssl)).toEqual(['over TLS'])
  })

  test('mutual TLS with an encrypted key and its passphrase', async () => {
    const ssl = {
      ca: [certificates.read('ca.pem')],
      cert: certificates.read('client.pem'),
      key: certificates.read('client-encrypted.key'),
      passphrase: certificates.passphrase,
    }
    expect(await roundTrip(mtlsBroker, ssl)).toEqual(['over TLS'])
  })

  test('a wrong passphrase fails, and says nothing of the passphrase', async () => {
    const ssl = { ca: [certificates.read('ca.pem')], cert: certificates.read('client.pem'), key: certificates.read('client-encrypted.key'), passphrase: 'wrong-secret' }
    const error = await connectError(mtlsBroker, ssl)
    // (KafkaJS's error may come from Node's own realm, not Jest's: its name is what compares.)
    expect(error?.name).toMatch(/Error/)
    if (isKafkars) {
      expect(error).toBeInstanceOf(client().KafkaJSNonRetriableError)
      expect(error.message).toMatch(/passphrase/)
      expect(error.message).not.toContain('wrong-secret')
    }
  })

  describe.each([
    ['a broker signed by an unknown CA', () => [tlsBroker, { ca: [certificates.read('other-ca.pem')] }]],
    ['ssl: true, trusting only the public roots', () => [tlsBroker, true]],
    ['a server name the certificate does not carry', () => [tlsBroker, { ca: [certificates.read('ca.pem')], servername: 'wrong.example' }]],
    ['no client certificate where the broker requires one', () => [mtlsBroker, { ca: [certificates.read('ca.pem')] }]],
  ])('%s', (_, setup) => {
    test('fails the connection with KafkaJSConnectionError naming the broker', async () => {
      const [broker, ssl] = setup()
      const error = await connectError(broker, ssl)
      expect(error).toBeInstanceOf(client().KafkaJSConnectionError)
      if (isKafkars) expect(error.message).toContain(broker.brokers[0])
    })
  })

  test('TLS to a plaintext listener fails within connectionTimeout', async () => {
    const started = Date.now()
    const error = await connectError({ brokers: brokers() }, { rejectUnauthorized: false }, { connectionTimeout: 2000 })
    expect(error).toBeInstanceOf(client().KafkaJSConnectionError)
    expect(Date.now() - started).toBeLessThan(10000)
  })

  test('plaintext to a TLS listener fails, and does not hang', async () => {
    const error = await connectError(tlsBroker, undefined, { requestTimeout: 3000, connectionTimeout: 2000 })
    expect(error).toBeInstanceOf(client().KafkaJSError)
  })
})
