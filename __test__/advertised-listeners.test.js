// The advertised-listener trap, on a broker of the test's own: it answers on the address the
// client bootstraps from, but advertises one the client cannot reach (as a broker in Docker that
// advertises its container's address). Every request after bootstrap then fails to connect.
const { startBroker } = require('../scripts/broker')
const { client, isKafkars, unique } = require('./helpers')

// Port 1 on loopback: nothing listens there.
const UNREACHABLE = '127.0.0.1:1'

let broker
beforeAll(async () => {
  broker = await startBroker({ own: true, advertise: UNREACHABLE })
})
afterAll(() => broker.stop())

test('requests after bootstrap fail, naming the bootstrap broker, the advertised address and the cause', async () => {
  const { Kafka, logLevel } = client()
  const kafka = new Kafka({ brokers: broker.brokers, logLevel: logLevel.NOTHING, retry: { retries: 1, initialRetryTime: 50 } })
  const admin = kafka.admin()
  // Bootstrap asks the seed broker, which answers.
  await admin.connect()
  // Topic creation goes to the controller, which metadata places at the advertised address.
  const error = await admin.createTopics({ topics: [{ topic: unique('trap') }] }).catch(e => e)
  await admin.disconnect()
  // KafkaJS retries topic creation only on NOT_CONTROLLER: the connection error comes as it is.
  expect(error).toBeInstanceOf(client().KafkaJSConnectionError)
  expect(error).toMatchObject({ broker: UNREACHABLE, code: 'ECONNREFUSED' })
  expect(error.message).toContain(`Connection error: connect ECONNREFUSED ${UNREACHABLE}`)
  // KafkaJS says only that the advertised address refused the connection; kafkars says why.
  if (isKafkars) {
    expect(error.message).toContain(broker.brokers[0])
    expect(error.message).toContain('advertised.listeners')
  }
})
