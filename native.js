// The engine. binding.js is the loader `napi build` generates: it loads a build beside it (in a
// clone of this repository) or the platform package npm installed as one of kafkars's
// optionalDependencies. This file only makes its failure say which platform this is and what to
// do about it, where napi-rs's own message blames an npm bug.
const { optionalDependencies, version } = require('./package.json')

// napi-rs's name for this machine (`linux-x64-gnu`), the suffix of its platform package's name.
const platform = () => {
  const { platform: os, arch } = process
  if (os === 'linux') {
    const glibc = process.report?.getReport().header.glibcVersionRuntime
    return `linux-${arch}-${glibc ? 'gnu' : 'musl'}`
  }
  return os === 'win32' ? `win32-${arch}-msvc` : `${os}-${arch}`
}

const installed = name => {
  try {
    return require.resolve(`${name}/package.json`)
  } catch {
    return null
  }
}

const advice = name => {
  if (installed(name)) return `${name} is installed, but its binary did not load (the cause says why).`
  // The published package.json lists every engine package (napi prepublish adds them); a clone's lists none.
  if (!optionalDependencies) return 'In a clone of kafkars, `npm run build` builds the engine in place.'
  if (name in optionalDependencies) {
    return (
      `Its engine is the package ${name}, an optional dependency of kafkars that was not installed ` +
      `(an install with --omit=optional or --no-optional, or a lockfile made on another platform): ` +
      `run \`npm install ${name}@${version}\`, or reinstall kafkars.`
    )
  }
  const prebuilt = Object.keys(optionalDependencies).map(dependency => dependency.slice('kafkars-'.length))
  return (
    `kafkars has no prebuilt engine for it (prebuilt: ${prebuilt.join(', ')}); build one in a clone ` +
    `of its repository with Rust installed (\`npm install\` there builds it).`
  )
}

try {
  module.exports = require('./binding')
} catch (cause) {
  const message = `kafkars cannot load its native engine on ${platform()} (Node ${process.version}).`
  throw new Error(`${message} ${advice(`kafkars-${platform()}`)}`, { cause })
}
