// A failed run keeps the broker's data directory, its log included (the reporter printed the
// log's end and where it is); a passing run leaves nothing behind.
module.exports = async () => {
  await globalThis.__KAFKARS_BROKER__.stop({ keep: Boolean(process.env.KAFKARS_TESTS_FAILED) })
}
