// Jest runs every file against one real broker started in global setup (or KAFKA_BROKERS);
// tests that kill or restart brokers start private ones of their own.
module.exports = {
  testEnvironment: 'node',
  testMatch: ['<rootDir>/__test__/**/*.test.js'],
  globalSetup: '<rootDir>/__test__/setup/global-setup.js',
  globalTeardown: '<rootDir>/__test__/setup/global-teardown.js',
  reporters: ['default', '<rootDir>/__test__/setup/broker-log-reporter.js'],
  testTimeout: 90000,
  maxWorkers: 2,
}
