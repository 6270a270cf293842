// Batches interoperate with librdkafka (Python confluent-kafka) both ways, in every codec.
const { execFile } = require('node:child_process')
const path = require('node:path')
const { librdkafkaPython } = require('../scripts/librdkafka')
const { client, clientName, newKafka, createTopic, brokers, consumeMessages } = require('./helpers')

const SCRIPT = path.join(__dirname, 'interop', 'librdkafka.py')
// `npm install` makes librdkafka's environment; where it could not (no python3), these tests are
// skipped, and their name says what to run.
const PYTHON = librdkafkaPython()
const withLibrdkafka = PYTHON
  ? describe
  : (name, fn) => describe.skip(`${name} (skipped: librdkafka is not installed; run \`node scripts/librdkafka.js\`)`, fn)

const librdkafka = (args, input) =>
  new Promise((resolve, reject) => {
    const child = execFile(PYTHON, [SCRIPT, ...args, '--brokers', brokers().join(',')], (err, stdout, stderr) =>
      err ? reject(new Error(`librdkafka.py ${args[0]} failed: ${stderr || err.message}`)) : resolve(stdout)
    )
    child.stdin.end(input || '')
  })

const MESSAGES = Array.from({ length: 20 }, (_, i) => ({
  key: i === 3 ? null : `key-${i}`,
  value: `value-${i}-${'z'.repeat(i * 7)}`,
  headers: i % 2 ? [['h', `a${i}`], ['h', `b${i}`]] : [['single', `s${i}`]],
}))

// What each side should see for MESSAGES, as [key, value, headers as [k, v] pairs].
const expected = MESSAGES.map(m => [m.key, m.value, m.headers])

const headerPairs = headers =>
  Object.entries(headers).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map(x => [k, x.toString()]))

// KafkaJS ships only GZIP; Snappy, LZ4 and ZSTD need plugins it does not have installed here.
const CODECS = [
  ['None', 'none'],
  ['GZIP', 'gzip'],
  ['Snappy', 'snappy'],
  ['LZ4', 'lz4'],
  ['ZSTD', 'zstd'],
].filter(([name]) => clientName === 'kafkars' || ['None', 'GZIP'].includes(name))

withLibrdkafka('librdkafka', () => {
  test('librdkafka is installed', async () => {
    await expect(librdkafka(['--help'])).resolves.toMatch(/produce/)
  })

  test.concurrent.each(CODECS)('%s: librdkafka reads what this client wrote', async name => {
    const topic = await createTopic()
    const producer = newKafka().producer()
    await producer.connect()
    await producer.send({
      topic,
      compression: client().CompressionTypes[name],
      messages: MESSAGES.map(({ key, value, headers }) => ({
        key,
        value,
        headers: headers.reduce((h, [k, v]) => ({ ...h, [k]: h[k] ? [].concat(h[k], v) : v }), {}),
      })),
    })
    await producer.disconnect()
    const out = await librdkafka(['consume', '--topic', topic, '--count', String(MESSAGES.length)])
    const got = out.trim().split('\n').map(l => JSON.parse(l)).sort((a, b) => a.offset - b.offset)
    expect(got.map(m => [m.key, m.value, m.headers])).toEqual(expected)
  })

  test.concurrent.each(CODECS)('%s: this client reads what librdkafka wrote', async (name, codec) => {
    const topic = await createTopic()
    await librdkafka(['produce', '--topic', topic, '--codec', codec], MESSAGES.map(m => JSON.stringify(m)).join('\n'))
    const received = await consumeMessages({ topic, count: MESSAGES.length })
    received.sort((a, b) => Number(a.message.offset) - Number(b.message.offset))
    expect(
      received.map(({ message }) => [
        message.key === null ? null : message.key.toString(),
        message.value.toString(),
        headerPairs(message.headers),
      ])
    ).toEqual(expected)
  })
})
