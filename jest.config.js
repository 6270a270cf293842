// Jest runs every file against one real broker started in global setup (or KAFKA_BROKERS).
// tansu takes seconds to settle a consumer group, hence the generous timeout.
module.exports = {
  testEnvironment: 'node',
  testMatch: ['<rootDir>/__test__/**/*.test.js'],
  globalSetup: '<rootDir>/__test__/setup/global-setup.js',
  globalTeardown: '<rootDir>/__test__/setup/global-teardown.js',
  testTimeout: 90000,
  maxWorkers: 2,
}
