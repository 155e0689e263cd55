import Foundation

/// The directory part of `path` ("" when it has none, "/" for a file at the root) — what
/// `NSString.deletingLastPathComponent` gives, which crashes on a one-character path in the
/// Foundation of Swift 6.3 on Linux.
func parentDirectory(of path: String) -> String {
    var path = Substring(path)
    while path.count > 1 && path.hasSuffix("/") { path = path.dropLast() }
    guard let slash = path.lastIndex(of: "/") else { return "" }
    return slash == path.startIndex ? "/" : String(path[..<slash])
}

/// `path` with every symbolic link, `.` and `..` resolved (`realpath(3)`); nil when it does not exist.
func resolvedPath(_ path: String) -> String? {
    guard let resolved = realpath(path, nil) else { return nil }
    defer { free(resolved) }
    return String(cString: resolved)
}

/// `path` as the kernel resolves it — links and `..` in order, so `link/..` is the parent of the
/// link's target, not the directory holding the link — for its longest part that exists, with
/// the parts that do not exist yet appended as given; absolute.
func physicalPath(_ path: String) -> String {
    if let resolved = resolvedPath(path) { return resolved }
    var trimmed = Substring(path)
    while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
    let name = trimmed.lastIndex(of: "/").map { String(trimmed[trimmed.index(after: $0)...]) } ?? String(trimmed)
    let parent = parentDirectory(of: path)
    let base = parent.isEmpty ? resolvedPath(".") ?? FileManager.default.currentDirectoryPath : physicalPath(parent)
    return base == "/" ? "/" + name : base + "/" + name
}

/// Whether two paths name one directory: the same one on disk (links followed), or — when
/// either does not exist yet — the same path once `.`, `..` and `//` are resolved
/// (`migrations/`, `./migrations` and the absolute path are one).
func sameDirectory(_ first: String, _ second: String) -> Bool {
    var one = stat(), other = stat()
    if stat(first, &one) == 0 && stat(second, &other) == 0 {
        return one.st_dev == other.st_dev && one.st_ino == other.st_ino
    }
    return URL(fileURLWithPath: first).standardizedFileURL.path == URL(fileURLWithPath: second).standardizedFileURL.path
}
