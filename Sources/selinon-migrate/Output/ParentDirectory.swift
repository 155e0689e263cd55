import FlowMigration
import Foundation

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
    let parent = parentDirectory(of: path)
    var name = Substring(path)
    while name.count > 1 && name.hasSuffix("/") { name = name.dropLast() }
    if let slash = name.lastIndex(of: "/") { name = name[name.index(after: slash)...] }
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
