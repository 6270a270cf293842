// The admin's group calls: list, describe, delete, and setting a group's offsets, with KafkaJS's
// result shapes and errors, and its refusal to touch a group that has members.
const { client, newKafka, unique, createTopic, waitFor } = require('./helpers')

describe('admin groups', () => {
  let admin

  beforeAll(async () => {
    admin = newKafka().admin()
    await admin.connect()
  })
  afterAll(() => admin.disconnect())

  /** A consumer of a new group, running on `topic` until it has its assignment. */
  const runningConsumer = async topic => {
    const groupId = unique('group')
    const consumer = newKafka().consumer({ groupId })
    let joined = false
    consumer.on(consumer.events.GROUP_JOIN, () => (joined = true))
    await consumer.connect()
    await consumer.subscribe({ topics: [topic], fromBeginning: true })
    await consumer.run({ eachMessage: async () => {} })
    await waitFor(() => joined, { what: `${groupId} to join` })
    return { groupId, consumer }
  }

  const committed = async (groupId, topic) => {
    const [{ partitions }] = await admin.fetchOffsets({ groupId, topics: [topic] })
    return partitions.sort((a, b) => a.partition - b.partition).map(p => p.offset)
  }

  describe('with a running consumer', () => {
    let topic, groupId, consumer

    beforeAll(async () => {
      topic = await createTopic()
      ;({ groupId, consumer } = await runningConsumer(topic))
    })
    afterAll(() => consumer.disconnect())

    test('listGroups lists it with its protocol type', async () => {
      const { groups } = await admin.listGroups()
      expect(groups).toContainEqual({ groupId, protocolType: 'consumer' })
      for (const group of groups) expect(Object.keys(group)).toEqual(['groupId', 'protocolType'])
    })

    test('describeGroups describes it and its member, with Buffers', async () => {
      const { groups } = await admin.describeGroups([groupId])
      expect(groups).toEqual([
        {
          errorCode: 0,
          groupId,
          state: 'Stable',
          protocolType: 'consumer',
          protocol: 'RoundRobinAssigner',
          members: [
            {
              memberId: expect.any(String),
              clientId: 'kafkars-tests',
              clientHost: expect.any(String),
              memberMetadata: expect.any(Buffer),
              memberAssignment: expect.any(Buffer),
            },
          ],
        },
      ])
      const { AssignerProtocol } = client()
      const assignment = AssignerProtocol.MemberAssignment.decode(groups[0].members[0].memberAssignment)
      expect(assignment.assignment).toEqual({ [topic]: [0] })
    })

    test('deleteGroups refuses it with NON_EMPTY_GROUP in KafkaJSDeleteGroupsError', async () => {
      const error = await admin.deleteGroups([groupId]).catch(e => e)
      expect(error).toBeInstanceOf(client().KafkaJSDeleteGroupsError)
      expect([error.message, error.retriable]).toEqual(['Error in DeleteGroups', true])
      expect(error.groups).toEqual([{ groupId, errorCode: 68, error: expect.any(client().KafkaJSProtocolError) }])
      expect([error.groups[0].error.type, error.groups[0].error.retriable]).toEqual(['NON_EMPTY_GROUP', false])
    })

    test('setOffsets and resetOffsets refuse it while it has members', async () => {
      const { KafkaJSNonRetriableError } = client()
      const refusal = new KafkaJSNonRetriableError(
        'The consumer group must have no running instances, current state: Stable'
      )
      await expect(admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '0' }] })).rejects.toThrow(refusal)
      await expect(admin.resetOffsets({ groupId, topic })).rejects.toThrow(refusal)
    })
  })

  test('describeGroups of a group nobody uses reports it Dead', async () => {
    const groupId = unique('nobody')
    expect(await admin.describeGroups([groupId])).toEqual({
      groups: [{ errorCode: 0, groupId, state: 'Dead', protocolType: '', protocol: '', members: [] }],
    })
  })

  test('setOffsets commits the offsets of a group without members, as a consumer of it', async () => {
    const topic = await createTopic({ partitions: 2 })
    const groupId = unique('set')
    expect(await admin.setOffsets({ groupId, topic, partitions: [{ partition: 1, offset: '5' }] })).toBeUndefined()
    expect(await committed(groupId, topic)).toEqual(['-1', '5'])
    // KafkaJS joins the group with a consumer to commit, and leaves it Empty behind it.
    const { groups } = await admin.describeGroups([groupId])
    expect(groups).toEqual([{ errorCode: 0, groupId, state: 'Empty', protocolType: 'consumer', protocol: '', members: [] }])
    expect((await admin.listGroups()).groups).toContainEqual({ groupId, protocolType: 'consumer' })
  })

  test('setOffsets checks its arguments and the topic', async () => {
    const topic = await createTopic()
    const groupId = unique('set')
    await expect(admin.setOffsets({ groupId, topic, partitions: [] })).rejects.toThrow('Invalid partitions')
    await expect(admin.setOffsets({ topic, partitions: [{ partition: 0, offset: '1' }] })).rejects.toThrow(
      'Invalid groupId undefined'
    )
    await expect(admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: 'abc' }] })).rejects.toThrow(
      'Invalid offset, expected a long received abc'
    )
    const error = await admin
      .setOffsets({ groupId, topic: unique('missing'), partitions: [{ partition: 0, offset: '1' }] })
      .catch(e => e)
    expect([error.name, error.type, error.retriable]).toEqual(['KafkaJSProtocolError', 'UNKNOWN_TOPIC_OR_PARTITION', true])
  })

  test('resetOffsets commits -2 (earliest) or -1 (latest), which resolveOffsets turns into offsets', async () => {
    const topic = await createTopic({ partitions: 2 })
    const producer = newKafka().producer()
    await producer.connect()
    await producer.send({ topic, messages: ['a', 'b', 'c'].map(value => ({ value, partition: 0 })) })
    await producer.disconnect()
    const groupId = unique('reset')
    await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '2' }] })

    expect(await admin.resetOffsets({ groupId, topic, earliest: true })).toBeUndefined()
    expect(await committed(groupId, topic)).toEqual(['-2', '-2'])
    await admin.resetOffsets({ groupId, topic })
    expect(await committed(groupId, topic)).toEqual(['-1', '-1'])

    const [resolved] = await admin.fetchOffsets({ groupId, topics: [topic], resolveOffsets: true })
    expect(resolved.partitions.sort((a, b) => a.partition - b.partition)).toEqual([
      { partition: 0, offset: '3', metadata: null },
      { partition: 1, offset: '0', metadata: null },
    ])
    expect(await committed(groupId, topic)).toEqual(['3', '0'])
  })

  test('fetchOffsets without topics gives the partitions the group committed', async () => {
    const topic = await createTopic({ partitions: 3 })
    const groupId = unique('committed')
    await admin.setOffsets({ groupId, topic, partitions: [{ partition: 2, offset: '7' }] })
    expect(await admin.fetchOffsets({ groupId })).toEqual([
      { topic, partitions: [{ partition: 2, offset: '7', metadata: null }] },
    ])
  })

  test('deleteGroups deletes groups without members and resolves with each one', async () => {
    const topic = await createTopic()
    const groupIds = [unique('gone'), unique('gone')]
    for (const groupId of groupIds) {
      await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '0' }] })
    }
    const results = await admin.deleteGroups(groupIds)
    expect(results.sort((a, b) => a.groupId.localeCompare(b.groupId))).toEqual(
      groupIds.sort().map(groupId => ({ groupId, errorCode: 0 }))
    )
    const { groups } = await admin.describeGroups(groupIds)
    expect(groups.map(g => g.state)).toEqual(['Dead', 'Dead'])
    expect(await admin.deleteGroups([])).toEqual([])
  })

  test('deleteGroups deletes what it can and names only the groups it could not delete', async () => {
    const topic = await createTopic()
    const [kept, missing] = [unique('deletable'), unique('never')]
    await admin.setOffsets({ groupId: kept, topic, partitions: [{ partition: 0, offset: '0' }] })
    const error = await admin.deleteGroups([kept, missing]).catch(e => e)
    expect(error.groups.map(g => g.groupId)).toEqual([missing])
    const { groups } = await admin.describeGroups([kept])
    expect(groups[0].state).toBe('Dead')
  })

  test('describeGroups wants an array of ids', async () => {
    await expect(admin.describeGroups('x')).rejects.toThrow(new TypeError('groupIds.map is not a function'))
  })

  test('fetchOffsets of a missing topic fails with UNKNOWN_TOPIC_OR_PARTITION, at once', async () => {
    const error = await admin.fetchOffsets({ groupId: unique('g'), topics: [unique('missing')] }).catch(e => e)
    expect([error.name, error.type, error.retriable]).toEqual(['KafkaJSProtocolError', 'UNKNOWN_TOPIC_OR_PARTITION', true])
  })

  test('deleteGroups of a group that does not exist fails with GROUP_ID_NOT_FOUND', async () => {
    const groupId = unique('never')
    const error = await admin.deleteGroups([groupId]).catch(e => e)
    expect(error).toBeInstanceOf(client().KafkaJSDeleteGroupsError)
    expect(error.groups.map(({ groupId, errorCode, error }) => [groupId, errorCode, error.type])).toEqual([
      [groupId, 69, 'GROUP_ID_NOT_FOUND'],
    ])
    const { KafkaJSNonRetriableError } = client()
    await expect(admin.deleteGroups('x')).rejects.toThrow(new KafkaJSNonRetriableError('Invalid groupIds array x'))
  })
})
