// napi-rs's name for this machine's platform (`linux-x64-gnu`, `darwin-arm64`, `win32-x64-msvc`):
// the suffix of its engine package's name and of its binary's. native.js, which ships, spells out
// the same rule for its error message.
const thisPlatform = () => {
  const { platform, arch } = process
  if (platform === 'linux') {
    const glibc = process.report.getReport().header.glibcVersionRuntime
    return `linux-${arch}-${glibc ? 'gnu' : 'musl'}`
  }
  return platform === 'win32' ? `win32-${arch}-msvc` : `${platform}-${arch}`
}

module.exports = { thisPlatform }
