// TLS as KafkaJS configures it (`ssl`: Node's tls.connect options), against Apache Kafka's own
// SSL listeners: one that authenticates the broker only, one that requires client certificates.
// Certificates are made for the run (scripts/certificates.js).
const tls = require('node:tls')
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

  // A TLS server of the test's own shows the expired certificate: what fails is the handshake.
  let expiredServer
  beforeAll(async () => {
    expiredServer = tls.createServer({ key: certificates.read('expired.key'), cert: certificates.read('expired.pem') })
    expiredServer.on('tlsClientError', () => {})
    await new Promise(resolve => expiredServer.listen(0, '127.0.0.1', resolve))
  })
  afterAll(() => expiredServer?.close())

  const ca = () => [certificates.read('ca.pem')]
  // What KafkaJS (Node's TLS) fails each with: the class, and Node's code where kafkars knows it
  // too; kafkars's message names the broker and says why.
  describe.each([
    ['a broker signed by an unknown CA', () => [tlsBroker.brokers[0], { ca: [certificates.read('other-ca.pem')] }], {
      reason: /not signed by a trusted CA/,
    }],
    ['ssl: true, trusting only the public roots', () => [tlsBroker.brokers[0], true], { reason: /not signed by a trusted CA/ }],
    ['a server name the certificate does not carry', () => [tlsBroker.brokers[0], { ca: ca(), servername: 'wrong.example' }], {
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
      reason: /not valid for name "wrong\.example"/,
    }],
    ['an expired certificate', () => [`127.0.0.1:${expiredServer.address().port}`, { ca: ca() }], {
      code: 'CERT_HAS_EXPIRED',
      reason: /certificate has expired/,
    }],
    ['TLS to a plaintext listener', () => [brokers()[0], { ca: ca() }], {
      code: 'ECONNRESET',
      reason: /disconnected before a secure TLS connection was established/,
    }],
    // Both read the listener's hang-up as a closed connection, with no TLS to blame yet.
    ['plaintext to a TLS listener', () => [tlsBroker.brokers[0], undefined], {
      name: 'KafkaJSConnectionClosedError',
      reason: /^Closed connection .* is it a TLS listener/,
    }],
  ])('%s', (_, setup, { name = 'KafkaJSConnectionError', code, reason }) => {
    test(`fails the connection with ${name} naming the broker and why, within connectionTimeout`, async () => {
      const [broker, ssl] = setup()
      const started = Date.now()
      const error = await connectError({ brokers: [broker] }, ssl, { connectionTimeout: 2000, requestTimeout: 3000 })
      expect(Date.now() - started).toBeLessThan(2000)
      expect(error?.name).toBe(name)
      expect(error.retriable).toBe(true)
      if (code) expect(error.code).toBe(code)
      if (isKafkars) {
        expect(error.message).toContain(broker)
        expect(error.message).toMatch(reason)
      }
    })
  })

  test('no client certificate where the broker requires one fails the connection, naming the broker', async () => {
    const error = await connectError(mtlsBroker, { ca: ca() }, { connectionTimeout: 2000 })
    expect(error.retriable).toBe(true)
    // Over TLS 1.3 the broker's alert comes after the handshake, with the first response.
    expect(error).toMatchObject({ name: 'KafkaJSConnectionError', code: 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE' })
    if (isKafkars) expect(error.message).toContain(mtlsBroker.brokers[0])
  })
})
