// Node stays alive while a consumer runs, and exits on its own once every client disconnected.
const { spawn } = require('node:child_process')
const path = require('node:path')
const { newKafka, waitFor } = require('./helpers')

// Waits for `child` to have printed a line starting with `start`, at any time since it started,
// and returns the rest of that line.
const lineReader = child => {
  let out = ''
  let exitCode = null
  child.stdout.on('data', d => (out += d))
  child.on('exit', code => (exitCode = code))
  return async start => {
    const printed = () => out.split('\n').slice(0, -1).find(line => line.startsWith(start))
    await waitFor(
      () => {
        if (printed() === undefined && exitCode !== null) {
          throw new Error(`child exited (${exitCode}) before printing ${start}: ${out}`)
        }
        return printed() !== undefined
      },
      { what: `the child printing ${start}` }
    )
    return printed().slice(start.length)
  }
}

test('a running consumer keeps Node alive; after disconnecting everything Node exits by itself', async () => {
  const child = spawn(process.execPath, [path.join(__dirname, 'fixtures', 'lifecycle.js')], {
    env: process.env,
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  const exited = new Promise(resolve => child.on('exit', (code, signal) => resolve({ code, signal })))
  const waitForLine = lineReader(child)
  try {
    const topic = await waitForLine('consumed ')
    // Nothing is pending in the child but the running consumer: it must still be there to
    // handle a message sent only now.
    const producer = newKafka().producer()
    await producer.connect()
    await producer.send({ topic, messages: [{ value: 'again' }] })
    await producer.disconnect()
    await waitForLine('consumed again')
    expect(child.exitCode).toBeNull()

    child.stdin.end('disconnect\n')
    let timer
    const timeout = new Promise(resolve => {
      timer = setTimeout(() => resolve('still running'), 15000)
    })
    const result = await Promise.race([exited, timeout])
    clearTimeout(timer)
    expect(result).toEqual({ code: 0, signal: null })
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL')
  }
})
