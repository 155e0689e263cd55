import Foundation

/// The system's words for a failed file operation ("Permission denied", "No space left on
/// device") — for messages that tell people what to do, instead of Foundation's wrapper text
/// ("The operation could not be completed").
package enum FileSystemReason {
    /// The reason `error` gives: the POSIX error inside Foundation's (which, on Linux, bridges
    /// only as `any Error`), else the error's own description.
    package static func describe(_ error: any Error) -> String {
        if let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? any Error {
            let posix = underlying as NSError
            if posix.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(posix.code))) }
        }
        let error = error as NSError
        return error.domain == NSPOSIXErrorDomain ? String(cString: strerror(Int32(error.code))) : error.localizedDescription
    }

    /// The POSIX error number inside `error` (Foundation's wrapper or a bare POSIX error), when
    /// it has one.
    package static func code(of error: any Error) -> Int32? {
        if let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? any Error {
            let posix = underlying as NSError
            if posix.domain == NSPOSIXErrorDomain { return Int32(posix.code) }
        }
        let error = error as NSError
        return error.domain == NSPOSIXErrorDomain ? Int32(error.code) : nil
    }

    /// What to do when writing or creating a file failed with the POSIX error `code`, for the
    /// `hint:` line under the error; `nil` when there is no advice beyond the reason itself.
    package static func writeHint(for code: Int32) -> String? {
        switch code {
        case EACCES, EPERM: return "you may not write there: change the permissions (or the file's immutable flag), or write somewhere else"
        case EROFS: return "the file system is mounted read-only: write somewhere else"
        case ENOTDIR: return "a part of the path is a file, not a directory: check the path"
        case ENOSPC, EDQUOT: return "the disk (or your quota) is full: free some space and run the command again"
        case EFBIG: return "the file would outgrow the largest file this process may write (ulimit -f, or the file system's "
            + "limit): raise the limit (ulimit -f unlimited) or write somewhere else, and run the command again"
        case ENAMETOOLONG: return "the path is too long: choose a shorter one"
        case EEXIST: return "something else already has that name: move it out of the way"
        default: return nil
        }
    }
}
