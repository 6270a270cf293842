// What kafkars cannot honour yet (SASL GSSAPI, a socket
// factory, ssl options beyond ca, cert, key, rejectUnauthorized and servername) it refuses at
// `new Kafka`, where KafkaJS would use it:
// either way a secured config never ends up talking plaintext to a broker that has no TLS or
// SASL listener, as the tests' broker has none.
const { client, isKafkars, brokers } = require('./helpers')

const configs = [
  ['ssl with a pfx', { ssl: { pfx: Buffer.from('secret'), passphrase: 'secret' } }],
  ['ssl with checkServerIdentity', { ssl: { checkServerIdentity: () => undefined } }],
  ['SASL GSSAPI', { sasl: { mechanism: 'gssapi', username: 'u', password: 'secret' } }],
]

test.each(configs)('%s: never connects to a plaintext listener', async (_, secured) => {
  const { Kafka, logLevel } = client()
  const attempt = async () => {
    const kafka = new Kafka({
      brokers: brokers(),
      logLevel: logLevel.NOTHING,
      connectionTimeout: 1000,
      retry: { retries: 0 },
      ...secured,
    })
    const admin = kafka.admin()
    try {
      await admin.connect()
      return admin.listTopics()
    } finally {
      await admin.disconnect()
    }
  }
  const error = await attempt().catch(e => e)
  expect(error).toBeInstanceOf(Error)
  if (isKafkars) {
    expect(error).toBeInstanceOf(client().KafkaJSNotImplemented)
    expect(error.retriable).toBe(false)
    const [option, value] = Object.entries(secured).at(-1)
    const named = {
      ssl: () => Object.keys(value).find(k => !['key', 'cert', 'passphrase'].includes(k)),
      sasl: () => value.mechanism,
    }[option]?.() ?? option
    expect(error.message).toContain(`"${named}"`)
    expect(error.message).not.toContain('secret')
  }
})

test('ssl: false and sasl: null are the plaintext defaults, as in KafkaJS', async () => {
  const { Kafka, logLevel } = client()
  const admin = new Kafka({ brokers: brokers(), logLevel: logLevel.NOTHING, ssl: false, sasl: null }).admin()
  await admin.connect()
  await expect(admin.listTopics()).resolves.toEqual(expect.any(Array))
  await admin.disconnect()
})
