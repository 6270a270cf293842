// KafkaJS's built-in assigner as the factory users pass in `partitionAssigners`. A consumer
// whose only assigner is this one lets the engine run the same round-robin natively (the bytes
// are identical, so mixed groups agree); alongside custom assigners it runs here.
const { MemberMetadata, MemberAssignment } = require('./assigner-protocol')

const roundRobin = ({ cluster }) => ({
  name: 'RoundRobinAssigner',
  version: 0,

  // Deals the partitions, topic by topic, to the members sorted by id.
  async assign({ members, topics }) {
    const sortedMembers = members.map(({ memberId }) => memberId).sort()
    const assignment = {}
    const topicsPartitions = topics.flatMap(topic =>
      cluster.findTopicPartitionMetadata(topic).map(m => ({ topic, partitionId: m.partitionId }))
    )
    topicsPartitions.forEach(({ topic, partitionId }, i) => {
      const assignee = sortedMembers[i % sortedMembers.length]
      const byTopic = (assignment[assignee] = assignment[assignee] || Object.create(null))
      ;(byTopic[topic] = byTopic[topic] || []).push(partitionId)
    })
    return Object.keys(assignment).map(memberId => ({
      memberId,
      memberAssignment: MemberAssignment.encode({
        version: this.version,
        assignment: assignment[memberId],
      }),
    }))
  },

  protocol({ topics }) {
    return { name: this.name, metadata: MemberMetadata.encode({ version: this.version, topics }) }
  },
})

module.exports = { PartitionAssigners: { roundRobin } }
