// kafkars's index.d.ts against KafkaJS's own types/index.d.ts: a TypeScript app's usage of the
// public types (types/usage.ts) compiles under `--strict` against both, and the two files export
// the same names with the same members, but for the differences listed here, each on purpose.
const path = require('node:path')
const ts = require('typescript')
const { surface, differences } = require('./types/surface')

const KAFKAJS_TYPES = require.resolve('kafkajs/types/index.d.ts')
const KAFKARS_TYPES = path.join(__dirname, '..', 'index.d.ts')

/** The compiler's complaints about types/usage.ts when 'kafkajs' means `types`. */
const compile = types => {
  const options = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: ['node'],
    paths: { kafkajs: [types] },
  }
  const program = ts.createProgram([path.join(__dirname, 'types', 'usage.ts')], options)
  return ts.getPreEmitDiagnostics(program).map(d => ts.flattenDiagnosticMessageText(d.messageText, '\n'))
}

test('a strict TypeScript app compiles against kafkars types as against KafkaJS types', () => {
  expect(compile(KAFKAJS_TYPES)).toEqual([])
  expect(compile(KAFKARS_TYPES)).toEqual([])
})

// Where index.d.ts differs from KafkaJS's types on purpose: it types what KafkaJS's runtime
// returns and exports, where KafkaJS's own types say otherwise (README: "Where they differ").
const DELIBERATE = {
  'DeleteAclResponse: missing throttleTime': 'KafkaJS resolves deleteAcls without it',
  'DescribeAclResponse: missing errorCode': 'KafkaJS resolves describeAcls without it',
  'DescribeAclResponse: missing errorMessage': 'KafkaJS resolves describeAcls without it',
  'DescribeAclResponse: missing throttleTime': 'KafkaJS resolves describeAcls without it',
  'DescribeConfigResponse: missing throttleTime': 'KafkaJS resolves describeConfigs without it',
  'GroupDescription: extra errorCode': 'KafkaJS returns each group\'s errorCode',
  'KafkaJSConnectionError: extra code': 'KafkaJS sets the socket error\'s code',
  'KafkaJSDeleteTopicRecordsError: extra partitions': 'KafkaJS sets the failed partitions',
  'KafkaJSErrorMetadata: extra cause': 'KafkaJS errors take a cause',
  'OngoingPartitionReassignment: missing partitionIndex': 'KafkaJS names it partition',
  'OngoingPartitionReassignment: extra partition': 'KafkaJS names it partition',
  'OngoingTopicReassignment: missing topic': 'KafkaJS names it name',
  'OngoingTopicReassignment: extra name': 'KafkaJS names it name',
  'extra export AlterConfigResponse': 'what alterConfigs resolves',
  'extra export KafkaJSConnectionClosedError': 'exported by KafkaJS at runtime, untyped there',
  'extra export KafkaJSCreateTopicError': 'exported by KafkaJS at runtime, untyped there',
  'extra export KafkaJSFetcherRebalanceError': 'exported by KafkaJS at runtime, untyped there',
  'extra export KafkaJSInvalidLongError': 'exported by KafkaJS at runtime, untyped there',
  'extra export KafkaJSInvalidVarIntError': 'exported by KafkaJS at runtime, untyped there',
  'extra export KafkaJSInvariantViolation': 'exported by KafkaJS at runtime, untyped there',
  'extra export KafkaJSMemberIdRequired': 'exported by KafkaJS at runtime, untyped there',
  'extra export KafkaJSNoBrokerAvailableError': 'exported by KafkaJS at runtime, untyped there',
}

test('index.d.ts exports what KafkaJS types export, member by member, but for the deliberate differences', () => {
  const found = differences(surface(KAFKAJS_TYPES), surface(KAFKARS_TYPES)).sort()
  expect(found).toEqual(Object.keys(DELIBERATE).sort())
})
