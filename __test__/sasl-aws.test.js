// SASL mechanisms of AWS, which no Apache Kafka has, against a broker of the test's own that
// speaks only as far as SASL: KafkaJS's built-in 'aws' (SASL "AWS") and the MSK IAM package's
// custom mechanism (AWS_MSK_IAM). What reaches the broker is compared byte for byte with what
// KafkaJS sends, and errors with KafkaJS's.
const { createMechanism } = require('@jm18457/kafkajs-msk-iam-authentication-mechanism')
const { startSaslBroker, API_VERSIONS, SASL_HANDSHAKE, SASL_AUTHENTICATE } = require('./fixtures/sasl-broker')

const METADATA = 3
const { client, isKafkars } = require('./helpers')

const AWS_CREDENTIALS = {
  AWS_ACCESS_KEY_ID: 'AKIAKAFKARSTESTFAKE0',
  AWS_SECRET_ACCESS_KEY: 'fake-secret-access-key',
  AWS_REGION: 'us-east-1',
}

let broker
afterEach(() => broker?.close())

/**
 * Connects an admin to the fake broker and lists topics: the error (the broker hangs up on the
 * first request past SASL), and the log.
 */
const connect = async sasl => {
  const { Kafka, logLevel } = client()
  const log = []
  const logCreator = () => ({ namespace, label, log: { message } }) => void log.push({ namespace, label, message })
  const kafka = new Kafka({ brokers: [broker.address], logLevel: logLevel.INFO, logCreator, retry: { retries: 0 }, sasl })
  const admin = kafka.admin()
  const error = await admin
    .connect()
    .then(() => admin.listTopics())
    .then(
      () => null,
      e => e
    )
  await admin.disconnect()
  return { error, log }
}

const AWS = { mechanism: 'aws', authorizationIdentity: 'AIDAFAKEUSER', accessKeyId: 'AKIAFAKE', secretAccessKey: 'fake-secret' }

describe("KafkaJS's 'aws' mechanism", () => {
  test('sends SaslHandshake "AWS", then the identity and credentials in one SaslAuthenticate, as KafkaJS does', async () => {
    broker = await startSaslBroker({ mechanisms: ['AWS'], authenticate: () => ({}) })
    const { error } = await connect({ ...AWS, sessionToken: 'fake-session' })
    // Authenticated, the client asks for metadata, and the broker hangs up.
    expect(error).not.toBeNull()
    // The connection was ready only once authenticated: Metadata came after.
    expect(broker.requests.map(r => r.apiKey).slice(0, 4)).toEqual([API_VERSIONS, SASL_HANDSHAKE, SASL_AUTHENTICATE, METADATA])
    expect(broker.requests.filter(r => r.apiKey === SASL_AUTHENTICATE).map(r => r.apiVersion)).toEqual([1])
    expect(broker.handshakes()).toEqual(['AWS'])
    expect(broker.authentications().map(String)).toEqual(['AIDAFAKEUSER\0AKIAFAKE\0fake-secret\0fake-session'])
  })

  test('a missing field fails after the handshake with KafkaJS\'s error', async () => {
    broker = await startSaslBroker({ mechanisms: ['AWS'], authenticate: () => ({}) })
    const { error } = await connect({ mechanism: 'aws', accessKeyId: 'AKIAFAKE', secretAccessKey: 'fake-secret' })
    expect(error).toBeInstanceOf(client().KafkaJSSASLAuthenticationError)
    expect(error.message).toBe('SASL AWS-IAM: Missing authorizationIdentity')
    expect(broker.handshakes()).toEqual(['AWS'])
    expect(broker.authentications()).toEqual([])
  })

  test('a refusal is KafkaJS\'s SASL AWS-IAM error with the broker\'s message, the secret nowhere', async () => {
    broker = await startSaslBroker({
      mechanisms: ['AWS'],
      authenticate: () => ({ errorCode: 58, errorMessage: 'Access denied for AIDAFAKEUSER' }),
    })
    const { error, log } = await connect(AWS)
    expect(error).toBeInstanceOf(client().KafkaJSSASLAuthenticationError)
    expect(error).toMatchObject({ message: 'SASL AWS-IAM authentication failed: Access denied for AIDAFAKEUSER', retriable: false })
    expect(JSON.stringify(log)).not.toContain('fake-secret')
    expect(log).toContainEqual({ namespace: 'SaslAuthenticator-AWS', label: 'ERROR', message: error.message })
  })
})

describe('the MSK IAM package (@jm18457/kafkajs-msk-iam-authentication-mechanism)', () => {
  const saved = {}
  beforeAll(() => {
    for (const [name, value] of Object.entries(AWS_CREDENTIALS)) {
      saved[name] = process.env[name]
      process.env[name] = value
    }
  })
  afterAll(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }
  })

  test('its provider drives saslAuthenticate: a signed JSON payload after SaslHandshake AWS_MSK_IAM', async () => {
    broker = await startSaslBroker({
      mechanisms: ['AWS_MSK_IAM'],
      authenticate: () => ({ authBytes: Buffer.from(JSON.stringify({ version: '2020_10_22', 'request-id': 'fake-request' })) }),
    })
    const { log } = await connect(createMechanism({ region: 'us-east-1' }))
    expect(broker.handshakes()).toEqual(['AWS_MSK_IAM'])
    const [payload] = broker.authentications().map(bytes => JSON.parse(bytes))
    expect(payload).toMatchObject({
      version: '2020_10_22',
      host: '127.0.0.1',
      action: 'kafka-cluster:Connect',
      'x-amz-algorithm': 'AWS4-HMAC-SHA256',
      'x-amz-credential': expect.stringMatching(/^AKIAKAFKARSTESTFAKE0\/\d{8}\/us-east-1\/kafka-cluster\/aws4_request$/),
      'x-amz-signature': expect.stringMatching(/^[0-9a-f]{64}$/),
    })
    // The broker's answer came back through response.decode and parse: the package read its version.
    expect(log).toContainEqual({ namespace: 'SaslAuthenticator-AWS_MSK_IAM', label: 'INFO', message: 'SASL AWS_MSK_IAM authentication successful' })
    expect(broker.requests.map(r => r.apiKey).slice(0, 4)).toEqual([API_VERSIONS, SASL_HANDSHAKE, SASL_AUTHENTICATE, METADATA])
  })

  test('a refusal reaches the caller as the package rethrows it', async () => {
    broker = await startSaslBroker({
      mechanisms: ['AWS_MSK_IAM'],
      authenticate: () => ({ errorCode: 58, errorMessage: 'Access denied' }),
    })
    const { error } = await connect(createMechanism({ region: 'us-east-1' }))
    expect(error).toBeInstanceOf(client().KafkaJSProtocolError)
    expect(error).toMatchObject({ type: 'SASL_AUTHENTICATION_FAILED', message: 'Access denied', retriable: false })
    if (isKafkars) expect(broker.requests.map(r => r.apiKey)).toEqual([API_VERSIONS, SASL_HANDSHAKE, SASL_AUTHENTICATE])
  })
})
