// Free 127.0.0.1 ports for the brokers the project starts.
const net = require('node:net')

/** A port nothing listens on now: the OS picks it, and it is released at once for the caller. */
const freePort = () =>
  new Promise((resolve, reject) => {
    const server = net.createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })

module.exports = { freePort }
