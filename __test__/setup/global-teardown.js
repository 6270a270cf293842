module.exports = async () => {
  await globalThis.__KAFKARS_BROKER__.stop()
}
