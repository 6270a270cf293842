// The admin's config calls: describeConfigs of every resource type (with synonyms) and
// alterConfigs (validateOnly or not), with KafkaJS's result shapes and errors.
const { client, newKafka, unique, createTopic, waitFor } = require('./helpers')

describe('admin configs', () => {
  let admin, topic, nodeId

  beforeAll(async () => {
    admin = newKafka().admin()
    await admin.connect()
    topic = await createTopic({ configEntries: [{ name: 'retention.ms', value: '3600000' }] })
    ;[{ nodeId }] = (await admin.describeCluster()).brokers
  })
  afterAll(() => admin.disconnect())

  const entry = {
    configName: expect.any(String),
    configValue: expect.any(String),
    readOnly: expect.any(Boolean),
    isDefault: expect.any(Boolean),
    configSource: expect.any(Number),
    isSensitive: expect.any(Boolean),
    configSynonyms: expect.any(Array),
  }

  const configOf = async (name, config) => {
    const { ConfigResourceTypes } = client()
    const { resources } = await admin.describeConfigs({
      resources: [{ type: ConfigResourceTypes.TOPIC, name, configNames: [config] }],
    })
    return resources[0].configEntries[0].configValue
  }

  test('describeConfigs of a topic gives the configs asked for, with their synonyms', async () => {
    const { ConfigResourceTypes, ConfigSource } = client()
    const { resources } = await admin.describeConfigs({
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['retention.ms', 'cleanup.policy'] }],
      includeSynonyms: true,
    })
    expect(resources).toHaveLength(1)
    const [resource] = resources
    expect(resource).toEqual({
      errorCode: 0,
      errorMessage: expect.anything(),
      resourceType: ConfigResourceTypes.TOPIC,
      resourceName: topic,
      configEntries: expect.any(Array),
    })
    const byName = Object.fromEntries(resource.configEntries.map(e => [e.configName, e]))
    expect(Object.keys(byName).sort()).toEqual(['cleanup.policy', 'retention.ms'])
    expect(byName['retention.ms']).toEqual({
      ...entry,
      configName: 'retention.ms',
      configValue: '3600000',
      readOnly: false,
      isDefault: false,
      configSource: ConfigSource.TOPIC_CONFIG,
      isSensitive: false,
    })
    expect(byName['retention.ms'].configSynonyms).toContainEqual({
      configName: 'retention.ms',
      configValue: '3600000',
      configSource: ConfigSource.TOPIC_CONFIG,
    })
    expect(byName['cleanup.policy']).toMatchObject({ configValue: 'delete', isDefault: true, configSource: ConfigSource.DEFAULT_CONFIG })
    expect(byName['cleanup.policy'].configSynonyms).toContainEqual({
      configName: 'log.cleanup.policy',
      configValue: 'delete',
      configSource: ConfigSource.DEFAULT_CONFIG,
    })
  })

  test('describeConfigs without configNames or includeSynonyms gives every config, no synonyms', async () => {
    const { ConfigResourceTypes } = client()
    const { resources } = await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }] })
    expect(resources[0].configEntries.length).toBeGreaterThan(20)
    for (const e of resources[0].configEntries) expect(e.configSynonyms).toEqual([])
  })

  test('describeConfigs of a broker and a broker logger asks that broker', async () => {
    const { ConfigResourceTypes, ConfigSource } = client()
    const { resources } = await admin.describeConfigs({
      resources: [
        { type: ConfigResourceTypes.BROKER, name: String(nodeId), configNames: ['num.io.threads'] },
        { type: ConfigResourceTypes.BROKER_LOGGER, name: String(nodeId), configNames: ['kafka.server.KafkaApis'] },
      ],
    })
    expect(resources.map(r => [r.resourceType, r.resourceName, r.configEntries.map(e => e.configName)])).toEqual([
      [ConfigResourceTypes.BROKER, String(nodeId), ['num.io.threads']],
      [ConfigResourceTypes.BROKER_LOGGER, String(nodeId), ['kafka.server.KafkaApis']],
    ])
    expect(resources[0].configEntries[0]).toMatchObject({ ...entry, configSource: ConfigSource.STATIC_BROKER_CONFIG })
    expect(resources[1].configEntries[0]).toMatchObject({ ...entry, configSource: ConfigSource.DYNAMIC_BROKER_LOGGER_CONFIG })
  })

  test('describeConfigs of a missing topic fails with UNKNOWN_TOPIC_OR_PARTITION, at once', async () => {
    const { ConfigResourceTypes } = client()
    const error = await admin
      .describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: unique('missing') }] })
      .catch(e => e)
    expect([error.name, error.type, error.retriable]).toEqual(['KafkaJSProtocolError', 'UNKNOWN_TOPIC_OR_PARTITION', true])
  })

  test('describeConfigs of a broker that does not exist fails with KafkaJSBrokerNotFound', async () => {
    const { ConfigResourceTypes } = client()
    const error = await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.BROKER, name: '999' }] }).catch(e => e)
    expect([error.name, error.message, error.retriable]).toEqual([
      'KafkaJSBrokerNotFound',
      'Broker 999 not found in the cached metadata',
      true,
    ])
  })

  test('describeConfigs and alterConfigs check their arguments before any request', async () => {
    const { ConfigResourceTypes, KafkaJSNonRetriableError } = client()
    await expect(admin.describeConfigs({ resources: [] })).rejects.toThrow(
      new KafkaJSNonRetriableError('Resources array cannot be empty')
    )
    await expect(admin.describeConfigs({ resources: [{ type: 3, name: topic }] })).rejects.toThrow(
      `Invalid resource type 3: {"type":3,"name":"${topic}"}`
    )
    await expect(
      admin.alterConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: [{ name: 'x', value: 1 }] }] })
    ).rejects.toThrow('Invalid resource config value')
  })

  test('alterConfigs with validateOnly changes nothing; without, it sets the config', async () => {
    const { ConfigResourceTypes } = client()
    const retention = (name, value) => [
      { type: ConfigResourceTypes.TOPIC, name, configEntries: [{ name: 'retention.ms', value }] },
    ]
    expect(await admin.alterConfigs({ resources: retention(topic, '7200000'), validateOnly: true })).toEqual({
      resources: [{ errorCode: 0, errorMessage: null, resourceType: ConfigResourceTypes.TOPIC, resourceName: topic }],
    })
    // Brokers apply config changes from the metadata log, in its order, a moment after the
    // controller answers: once a later change to another topic shows, a validateOnly change
    // that had been written would show too.
    const other = await createTopic()
    await admin.alterConfigs({ resources: retention(other, '5400000') })
    await waitFor(async () => (await configOf(other, 'retention.ms')) === '5400000', { what: `${other}'s retention` })
    expect(await configOf(topic, 'retention.ms')).toBe('3600000')

    await admin.alterConfigs({ resources: retention(topic, '7200000') })
    await waitFor(async () => (await configOf(topic, 'retention.ms')) === '7200000', { what: `${topic}'s retention` })
  })

  test('alterConfigs with an invalid value fails with INVALID_CONFIG', async () => {
    const { ConfigResourceTypes } = client()
    const error = await admin
      .alterConfigs({
        resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: [{ name: 'cleanup.policy', value: 'nope' }] }],
      })
      .catch(e => e)
    expect([error.name, error.type, error.code, error.retriable]).toEqual(['KafkaJSProtocolError', 'INVALID_CONFIG', 40, false])
  })
})
