// The admin's ACL calls against a private Kafka with the KRaft authorizer: createAcls,
// describeAcls and deleteAcls, with KafkaJS's result shapes and argument checks.
const { startBroker } = require('../scripts/broker')
const { client, newKafka, unique, waitFor } = require('./helpers')

const onKafka = process.env.KAFKARS_TEST_BROKER === 'kafka'
// tansu has no authorizer.
const describeOnKafka = onKafka ? describe : describe.skip

describeOnKafka('admin ACLs (skipped unless KAFKARS_TEST_BROKER=kafka)', () => {
  let broker, admin

  beforeAll(async () => {
    broker = await startBroker({
      own: true,
      settings: {
        'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
        // The tests' PLAINTEXT clients, the brokers and the controller all are ANONYMOUS.
        'super.users': 'User:ANONYMOUS',
      },
    })
    const { Kafka, logLevel } = client()
    admin = new Kafka({ clientId: 'kafkars-acl-tests', brokers: broker.brokers, logLevel: logLevel.NOTHING }).admin()
    await admin.connect()
  }, 120000)
  afterAll(async () => {
    if (admin) await admin.disconnect()
    if (broker) await broker.stop()
  })

  const aclFor = (topic, overrides = {}) => {
    const { AclResourceTypes, ResourcePatternTypes, AclOperationTypes, AclPermissionTypes } = client()
    return {
      resourceType: AclResourceTypes.TOPIC,
      resourceName: topic,
      resourcePatternType: ResourcePatternTypes.LITERAL,
      principal: 'User:alice',
      host: '*',
      operation: AclOperationTypes.READ,
      permissionType: AclPermissionTypes.ALLOW,
      ...overrides,
    }
  }

  const filterFor = topic => {
    const { AclResourceTypes, ResourcePatternTypes, AclOperationTypes, AclPermissionTypes } = client()
    return {
      resourceType: AclResourceTypes.TOPIC,
      resourceName: topic,
      resourcePatternType: ResourcePatternTypes.ANY,
      operation: AclOperationTypes.ANY,
      permissionType: AclPermissionTypes.ANY,
    }
  }

  // The controller applies ACLs and the broker's authorizer learns them from the metadata log.
  const describedFor = async (topic, count) => {
    let described
    await waitFor(
      async () => {
        described = await admin.describeAcls(filterFor(topic))
        return described.resources.reduce((n, r) => n + r.acls.length, 0) === count
      },
      { what: `${count} ACLs on ${topic}` }
    )
    return described
  }

  test('createAcls creates them, describeAcls finds them, deleteAcls deletes what a filter matches', async () => {
    const { AclResourceTypes, ResourcePatternTypes, AclOperationTypes, AclPermissionTypes } = client()
    const topic = unique('acl-topic')
    const read = aclFor(topic)
    const write = aclFor(topic, { principal: 'User:bob', operation: AclOperationTypes.WRITE })
    expect(await admin.createAcls({ acl: [read, write] })).toBe(true)

    const { resources } = await describedFor(topic, 2)
    expect(resources).toEqual([
      {
        resourceType: AclResourceTypes.TOPIC,
        resourceName: topic,
        resourcePatternType: ResourcePatternTypes.LITERAL,
        acls: expect.any(Array),
      },
    ])
    const acls = resources[0].acls.sort((a, b) => a.principal.localeCompare(b.principal))
    expect(acls).toEqual([
      { principal: 'User:alice', host: '*', operation: AclOperationTypes.READ, permissionType: AclPermissionTypes.ALLOW },
      { principal: 'User:bob', host: '*', operation: AclOperationTypes.WRITE, permissionType: AclPermissionTypes.ALLOW },
    ])

    const { filterResponses } = await admin.deleteAcls({ filters: [{ ...filterFor(topic), principal: 'User:alice' }] })
    expect(filterResponses).toEqual([{ errorCode: 0, errorMessage: null, matchingAcls: [{ errorCode: 0, errorMessage: null, ...read }] }])
    await describedFor(topic, 1)
  })

  test('describeAcls of a resource without ACLs finds none', async () => {
    expect(await admin.describeAcls(filterFor(unique('bare')))).toEqual({ resources: [] })
  })

  test('a PREFIXED ACL matches every topic that starts with it', async () => {
    const { ResourcePatternTypes, AclResourceTypes, AclOperationTypes, AclPermissionTypes } = client()
    const prefix = unique('prefix')
    await admin.createAcls({ acl: [aclFor(prefix, { resourcePatternType: ResourcePatternTypes.PREFIXED })] })
    let described
    await waitFor(
      async () => {
        described = await admin.describeAcls({
          resourceType: AclResourceTypes.TOPIC,
          resourceName: `${prefix}-orders`,
          resourcePatternType: ResourcePatternTypes.MATCH,
          operation: AclOperationTypes.ANY,
          permissionType: AclPermissionTypes.ANY,
        })
        return described.resources.length === 1
      },
      { what: `the ACL on ${prefix}` }
    )
    expect(described.resources[0]).toMatchObject({ resourceName: prefix, resourcePatternType: ResourcePatternTypes.PREFIXED })
  })

  test('createAcls with a principal that is not type:name fails with the broker error', async () => {
    const error = await admin.createAcls({ acl: [aclFor(unique('bad'), { principal: 'alice' })] }).catch(e => e)
    expect([error.name, error.type, error.retriable]).toEqual(['KafkaJSProtocolError', 'INVALID_REQUEST', false])
  })

  test('on a broker without an authorizer, createAcls fails with SECURITY_DISABLED', async () => {
    const plain = newKafka().admin()
    await plain.connect()
    try {
      const error = await plain.createAcls({ acl: [aclFor(unique('unguarded'))] }).catch(e => e)
      expect([error.name, error.type, error.retriable]).toEqual(['KafkaJSProtocolError', 'SECURITY_DISABLED', false])
    } finally {
      await plain.disconnect()
    }
  })

  test('the ACL calls check their arguments before any request', async () => {
    const { KafkaJSNonRetriableError } = client()
    await expect(admin.createAcls({ acl: [] })).rejects.toThrow(new KafkaJSNonRetriableError('Empty ACL array'))
    await expect(admin.createAcls({ acl: [aclFor('t', { host: undefined })] })).rejects.toThrow(
      'Invalid ACL array, the hosts have to be a valid string'
    )
    const badOperation = aclFor('t', { operation: 42 })
    await expect(admin.createAcls({ acl: [badOperation] })).rejects.toThrow(
      `Invalid operation type 42: ${JSON.stringify(badOperation)}`
    )
    await expect(admin.describeAcls({ ...filterFor('t'), permissionType: 9 })).rejects.toThrow('Invalid permission type 9')
    await expect(admin.deleteAcls({ filters: [] })).rejects.toThrow('Empty ACL Filter array')
    await expect(admin.deleteAcls({ filters: [{ ...filterFor('t'), principal: 5 }] })).rejects.toThrow(
      'Invalid ACL Filter array, the principals have to be a valid string'
    )
  })
})
