import Foundation

/// Who runs the command, for `_meta.user`: `USER` or `LOGNAME` as the shell sets them, else the
/// account of the effective user id (containers and CI jobs often set neither).
func userName(environment: [String: String]) -> String? {
    if let name = environment["USER"] ?? environment["LOGNAME"], !name.isEmpty { return name }
    guard let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name else { return nil }
    return String(cString: name)
}
