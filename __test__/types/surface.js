// The public surface of a .d.ts as the TypeScript compiler sees it: every exported name, and for
// each exported type its members' names, so two type files can be compared name by name.
const ts = require('typescript')

/** `{ exportName: [member names] }` for the module `file` declares. */
const surface = file => {
  const program = ts.createProgram([file], { strict: true, noEmit: true, skipLibCheck: true })
  const checker = program.getTypeChecker()
  const source = program.getSourceFile(file)
  const module = checker.getSymbolAtLocation(source)
  const out = {}
  for (const symbol of checker.getExportsOfModule(module)) {
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol
    let members = []
    if (target.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.Class | ts.SymbolFlags.TypeAlias)) {
      const type = checker.getDeclaredTypeOfSymbol(target)
      // Well-known symbols carry a per-program id (`__@iterator@48`): drop it.
      members = checker.getPropertiesOfType(type).map(p => p.getName().replace(/@\d+$/, ''))
    } else if (target.flags & ts.SymbolFlags.Enum) {
      members = [...(target.exports?.keys() ?? [])].map(String)
    }
    out[symbol.getName()] = members.sort()
  }
  return out
}

/** What `ours` lacks of `theirs` and has beyond it: whole exports, and members of shared ones. */
const differences = (theirs, ours) => {
  const lines = []
  for (const name of Object.keys(theirs).sort()) {
    if (!(name in ours)) {
      lines.push(`missing export ${name}`)
      continue
    }
    for (const member of theirs[name]) if (!ours[name].includes(member)) lines.push(`${name}: missing ${member}`)
    for (const member of ours[name]) if (!theirs[name].includes(member)) lines.push(`${name}: extra ${member}`)
  }
  for (const name of Object.keys(ours).sort()) if (!(name in theirs)) lines.push(`extra export ${name}`)
  return lines
}

module.exports = { surface, differences }
