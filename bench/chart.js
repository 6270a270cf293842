// Draws a bench/results-<broker kind>.json as an SVG bar chart beside it: messages per second per client and workload,
// each workload on its own scale (the numbers are printed on the bars).
const fs = require('node:fs')

const COLORS = { kafkars: '#d9480f', kafkajs: '#1c7ed6', librdkafka: '#5c940d' }
const LABELS = {
  produce: 'send() of 1000 messages, awaited',
  produceConcurrent: 'single-message sends, 100 in flight',
  consume: 'eachMessage',
  consumeBatch: 'eachBatch',
}

const writeChart = (report, file) => {
  const rowHeight = 22
  const left = 230
  const width = 820
  const barSpace = width - left - 270
  let y = 40
  const parts = []
  for (const [workload, result] of Object.entries(report.results)) {
    const clients = Object.keys(COLORS).filter(c => result[c])
    const max = Math.max(...clients.map(c => result[c].msgsPerSec))
    parts.push(`<text x="10" y="${y + 14}" font-weight="bold">${LABELS[workload] || workload}</text>`)
    y += 22
    for (const client of clients) {
      const { msgsPerSec, cpuMicrosPerMsg } = result[client]
      const w = Math.max(2, Math.round((msgsPerSec / max) * barSpace))
      parts.push(
        `<text x="${left - 8}" y="${y + 15}" text-anchor="end">${client}</text>`,
        `<rect x="${left}" y="${y + 3}" width="${w}" height="${rowHeight - 6}" fill="${COLORS[client]}"/>`,
        `<text x="${left + w + 6}" y="${y + 15}">${msgsPerSec.toLocaleString('en-US')} msg/s · ${cpuMicrosPerMsg} µs CPU/msg</text>`
      )
      y += rowHeight
    }
    y += 14
  }
  const title = `kafkars bench, ${report.date.slice(0, 10)}: ${report.broker}, ${report.machine.cpus} cores, 100-byte messages, acks -1`
  const svg = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y + 10}" font-family="sans-serif" font-size="13">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="22" font-size="14">${title}</text>`,
    ...parts,
    '</svg>',
  ].join('\n')
  fs.writeFileSync(file, svg + '\n')
}

module.exports = { writeChart }

// `node bench/chart.js bench/results-kafka.json` redraws that file's chart.
if (require.main === module) {
  const file = process.argv[2]
  writeChart(JSON.parse(fs.readFileSync(file, 'utf8')), file.replace(/\.json$/, '.svg'))
}
