// Node stays alive while a consumer runs, and exits on its own once every client disconnected.
const { spawn } = require('node:child_process')
const path = require('node:path')

const waitForLine = (child, line) =>
  new Promise((resolve, reject) => {
    let out = ''
    child.stdout.on('data', d => {
      out += d
      if (out.includes(line)) resolve()
    })
    child.on('exit', code => reject(new Error(`child exited (${code}) before printing ${line}: ${out}`)))
  })

test('a running consumer keeps Node alive; after disconnecting everything Node exits by itself', async () => {
  const child = spawn(process.execPath, [path.join(__dirname, 'fixtures', 'lifecycle.js')], {
    env: process.env,
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  const exited = new Promise(resolve => child.on('exit', (code, signal) => resolve({ code, signal })))
  try {
    await waitForLine(child, 'consumed')
    // Nothing is pending in JS but the running consumer: the process must still be there.
    await new Promise(r => setTimeout(r, 3000))
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
