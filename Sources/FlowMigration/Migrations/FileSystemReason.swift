import Foundation

/// The system's words for a failed file operation ("Permission denied", "No space left on
/// device") — for messages that tell people what to do, instead of Foundation's wrapper text
/// ("The operation could not be completed").
public enum FileSystemReason {
    /// The reason `error` gives: the POSIX error inside Foundation's (which, on Linux, bridges
    /// only as `any Error`), else the error's own description.
    public static func describe(_ error: any Error) -> String {
        if let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? any Error {
            let posix = underlying as NSError
            if posix.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(posix.code))) }
        }
        let error = error as NSError
        return error.domain == NSPOSIXErrorDomain ? String(cString: strerror(Int32(error.code))) : error.localizedDescription
    }
}
