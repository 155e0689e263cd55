/// `text` as one word of a shell command, quoted only when it must be (`'odd repo ü'`), so a
/// command in a hint can be pasted as it is.
public func shellWord(_ text: String) -> String {
    let plain = !text.isEmpty && !text.hasPrefix("-") && text.unicodeScalars.allSatisfy { scalar in
        scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "_@%+=:,./-".unicodeScalars.contains(scalar))
    }
    if plain { return text }
    // A leading dash would read as an option even quoted: name it from the current directory.
    let path = text.hasPrefix("-") ? "./" + text : text
    return "'" + path.replacingOccurrences(of: "'", with: "'\\''") + "'"
}

/// `path` as one word of a git command's paths (after `--`, for `git rm`): as ``shellWord(_:)``,
/// and a leading `:`, which git reads as pathspec magic (`:mig/1.json` would match nothing),
/// is named from the current directory.
public func gitPathWord(_ path: String) -> String {
    shellWord(path.hasPrefix(":") ? "./" + path : path)
}
